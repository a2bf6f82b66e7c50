// Package storage opens an Azure Storage account for blobs and queues, from
// a connection string, the UseDevelopmentStorage shortcut, or service
// endpoints with a token credential, and offers the few operations tenantops
// needs: ETag-guarded state blobs and base64 queue messages. Which account
// the app settings select is decided by package clients.
package storage

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"
)

// Account is an opened storage account.
type Account struct {
	Blob  *azblob.Client
	Queue *azqueue.ServiceClient
}

// Config says how to reach a storage account: a connection string, or the
// blob and queue endpoints with a token credential.
type Config struct {
	// ConnectionString holds an account key or a shared access signature,
	// or is UseDevelopmentStorage=true with an optional
	// DevelopmentStorageProxyUri. When set, the fields below are not used.
	ConnectionString string
	// Source names the connection string in error texts, e.g. the app
	// setting it came from; default "the connection string".
	Source string
	// BlobURL and QueueURL are the service endpoints of an identity-based
	// connection, such as https://<account>.blob.core.windows.net/.
	BlobURL, QueueURL string
	// Credential obtains the tokens of an identity-based connection.
	Credential azcore.TokenCredential
}

// New returns clients for the account cfg describes.
func New(cfg Config) (*Account, error) {
	if cfg.ConnectionString == "" {
		return fromIdentity(cfg)
	}
	source := cfg.Source
	if source == "" {
		source = "the connection string"
	}
	parsed, err := parseConnectionString(cfg.ConnectionString)
	conn := ""
	if err == nil {
		conn, err = parsed.sdkConnectionString()
	}
	if err != nil {
		return nil, fmt.Errorf("storage: %s is not a usable connection string: %s", source, err)
	}
	return fromConnectionString(conn, source)
}

func fromConnectionString(conn, source string) (*Account, error) {
	blob, err := azblob.NewClientFromConnectionString(conn, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: %s is not a usable connection string (%s)", source, redactedReason(err))
	}
	queue, err := azqueue.NewServiceClientFromConnectionString(conn, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: %s is not a usable connection string (%s)", source, redactedReason(err))
	}
	return &Account{Blob: blob, Queue: queue}, nil
}

// redactedReason keeps the SDK's reason but never the connection string.
func redactedReason(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "AccountKey") || strings.Contains(msg, "SharedAccessSignature") {
		return "malformed"
	}
	return msg
}

// fromIdentity opens the account's endpoints with a token credential.
func fromIdentity(cfg Config) (*Account, error) {
	if cfg.BlobURL == "" || cfg.QueueURL == "" {
		return nil, fmt.Errorf("storage: an identity-based connection needs both the blob and the queue endpoint")
	}
	if cfg.Credential == nil {
		return nil, fmt.Errorf("storage: an identity-based connection needs a credential")
	}
	blob, err := azblob.NewClient(cfg.BlobURL, cfg.Credential, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: blob endpoint %s: %w", cfg.BlobURL, err)
	}
	queue, err := azqueue.NewServiceClient(cfg.QueueURL, cfg.Credential, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: queue endpoint %s: %w", cfg.QueueURL, err)
	}
	return &Account{Blob: blob, Queue: queue}, nil
}

// ErrNotFound is returned when a blob does not exist.
var ErrNotFound = errors.New("storage: not found")

// ErrConflict is returned when a conditional write loses: the blob's ETag
// no longer matches, or the blob exists when it was expected not to.
var ErrConflict = errors.New("storage: condition not met (changed by someone else)")

// ReadBlob returns a blob's content and ETag, or ErrNotFound.
func (a *Account) ReadBlob(ctx context.Context, container, name string) ([]byte, azcore.ETag, error) {
	resp, err := a.Blob.DownloadStream(ctx, container, name, nil)
	if err != nil {
		if isCode(err, "BlobNotFound", "ContainerNotFound") {
			return nil, "", ErrNotFound
		}
		return nil, "", fmt.Errorf("storage: read %s/%s: %w", container, name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("storage: read %s/%s: %w", container, name, err)
	}
	var etag azcore.ETag
	if resp.ETag != nil {
		etag = *resp.ETag
	}
	return data, etag, nil
}

// WriteBlob writes a blob only if its ETag is still ifMatch; an empty ifMatch
// means the blob must not exist yet. A lost race returns ErrConflict. It
// returns the new ETag.
func (a *Account) WriteBlob(ctx context.Context, container, name string, data []byte, ifMatch azcore.ETag) (azcore.ETag, error) {
	cond := &azblob.AccessConditions{ModifiedAccessConditions: &blob.ModifiedAccessConditions{}}
	if ifMatch == "" {
		cond.ModifiedAccessConditions.IfNoneMatch = ptr(azcore.ETagAny)
	} else {
		cond.ModifiedAccessConditions.IfMatch = &ifMatch
	}
	resp, err := a.Blob.UploadBuffer(ctx, container, name, data, &azblob.UploadBufferOptions{AccessConditions: cond})
	if err != nil {
		if isCode(err, "ConditionNotMet", "BlobAlreadyExists") {
			return "", ErrConflict
		}
		return "", fmt.Errorf("storage: write %s/%s: %w", container, name, err)
	}
	if resp.ETag == nil {
		return "", nil
	}
	return *resp.ETag, nil
}

// EnsureContainer creates a container if it does not exist.
func (a *Account) EnsureContainer(ctx context.Context, name string) error {
	_, err := a.Blob.CreateContainer(ctx, name, nil)
	if err != nil && !isCode(err, "ContainerAlreadyExists") {
		return fmt.Errorf("storage: create container %s: %w", name, err)
	}
	return nil
}

// EnsureQueue creates a queue if it does not exist.
func (a *Account) EnsureQueue(ctx context.Context, name string) error {
	_, err := a.Queue.NewQueueClient(name).Create(ctx, nil)
	if err != nil && !isCode(err, "QueueAlreadyExists") {
		return fmt.Errorf("storage: create queue %s: %w", name, err)
	}
	return nil
}

// Enqueue puts one message on a queue, base64-encoded as the Functions host
// expects by default (extensions.queues.messageEncoding = base64), with no
// expiry: the storage default would delete it after 7 days, and work queued
// before an outage longer than that would be lost.
func (a *Account) Enqueue(ctx context.Context, queue string, message []byte) error {
	return a.enqueueText(ctx, queue, base64.StdEncoding.EncodeToString(message))
}

// enqueueText puts a message's text on a queue as is, with no expiry.
func (a *Account) enqueueText(ctx context.Context, queue, text string) error {
	_, err := a.Queue.NewQueueClient(queue).EnqueueMessage(ctx, text, &azqueue.EnqueueMessageOptions{TimeToLive: ptr(noExpiry)})
	if err != nil {
		return fmt.Errorf("storage: enqueue on %s: %w", queue, err)
	}
	return nil
}

// noExpiry is the message time-to-live that never expires.
const noExpiry int32 = -1

func isCode(err error, codes ...string) bool {
	var re *azcore.ResponseError
	if !errors.As(err, &re) {
		return false
	}
	for _, c := range codes {
		if re.ErrorCode == c {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
