// Package storage opens the Function App's storage account (AzureWebJobsStorage)
// for blobs and queues, from a connection string, the UseDevelopmentStorage
// shortcut, or identity-based settings, and offers the few operations
// tenantops needs: ETag-guarded state blobs and base64 queue messages.
package storage

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/blob"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/tenantops/tenantops/internal/settings"
)

// DevelopmentConnectionString is what UseDevelopmentStorage=true stands for:
// the well-known Azurite account on its default loopback ports. The SDKs do
// not parse the shortcut themselves. The key is Azurite's published
// development key, not a secret.
const DevelopmentConnectionString = "DefaultEndpointsProtocol=http;AccountName=" + devStorageAccount + ";" +
	"AccountKey=" + devStorageKey + ";" +
	"BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;"

// Account is an opened storage account.
type Account struct {
	Blob  *azblob.Client
	Queue *azqueue.ServiceClient
}

// Open reads the storage settings from env and returns clients for the
// account: from AzureWebJobsStorage when it is set (a connection string with
// an account key or a shared access signature, or UseDevelopmentStorage=true
// with an optional DevelopmentStorageProxyUri), else from the identity-based
// AzureWebJobsStorage__* settings.
func Open(env settings.Env) (*Account, error) {
	p := settings.NewParser(env)
	conn := p.String(settings.Storage)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if conn == "" {
		return fromIdentity(p)
	}
	parsed, err := parseConnectionString(conn)
	if err == nil {
		conn, err = parsed.sdkConnectionString()
	}
	if err != nil {
		return nil, fmt.Errorf("storage: AzureWebJobsStorage is not a usable connection string: %s", err)
	}
	return fromConnectionString(conn)
}

func fromConnectionString(conn string) (*Account, error) {
	blob, err := azblob.NewClientFromConnectionString(conn, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: AzureWebJobsStorage is not a usable connection string (%s)", redactedReason(err))
	}
	queue, err := azqueue.NewServiceClientFromConnectionString(conn, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: AzureWebJobsStorage is not a usable connection string (%s)", redactedReason(err))
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

func fromIdentity(p *settings.Parser) (*Account, error) {
	name := p.String(settings.StorageAccountName)
	blobURL := serviceURI(p, settings.StorageBlobServiceURI)
	queueURL := serviceURI(p, settings.StorageQueueServiceURI)
	if blobURL == "" && name != "" {
		blobURL = "https://" + name + ".blob.core.windows.net/"
	}
	if queueURL == "" && name != "" {
		queueURL = "https://" + name + ".queue.core.windows.net/"
	}
	switch {
	case p.Set(settings.StorageBlobServiceURI) && !p.Set(settings.StorageQueueServiceURI) && name == "":
		p.Fail(settings.StorageQueueServiceURI, "missing: identity-based storage with AzureWebJobsStorage__blobServiceUri "+
			"also needs the queue endpoint (or AzureWebJobsStorage__accountName)")
	case p.Set(settings.StorageQueueServiceURI) && !p.Set(settings.StorageBlobServiceURI) && name == "":
		p.Fail(settings.StorageBlobServiceURI, "missing: identity-based storage with AzureWebJobsStorage__queueServiceUri "+
			"also needs the blob endpoint (or AzureWebJobsStorage__accountName)")
	case name == "" && !p.Set(settings.StorageBlobServiceURI) && !p.Set(settings.StorageQueueServiceURI):
		p.Fail(settings.Storage, "missing: set a connection string, UseDevelopmentStorage=true, "+
			"AzureWebJobsStorage__accountName, or both AzureWebJobsStorage__blobServiceUri and __queueServiceUri")
	}
	cred := credential(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	blob, err := azblob.NewClient(blobURL, cred, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: blob endpoint %s: %w", blobURL, err)
	}
	queue, err := azqueue.NewServiceClient(queueURL, cred, nil)
	if err != nil {
		return nil, fmt.Errorf("storage: queue endpoint %s: %w", queueURL, err)
	}
	return &Account{Blob: blob, Queue: queue}, nil
}

// serviceURI reads an identity-based endpoint setting, which must be an
// absolute http(s) URL with no query (a token credential carries no SAS).
func serviceURI(p *settings.Parser, s settings.Spec) string {
	v := p.String(s)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" {
		p.Fail(s, fmt.Sprintf("want the service's URL such as https://<account>.blob.core.windows.net, got %q", v))
		return ""
	}
	return v
}

// credential returns the token credential of identity-based storage:
// managed identity (user-assigned when __clientId is set) for
// __credential=managedidentity, else the default chain (environment,
// workload identity, managed identity, Azure CLI, …) as the host uses locally.
func credential(p *settings.Parser) azcore.TokenCredential {
	kind := strings.ToLower(p.String(settings.StorageCredential))
	clientID := p.String(settings.StorageClientID)
	switch kind {
	case "managedidentity":
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if clientID != "" {
			opts.ID = azidentity.ClientID(clientID)
		}
		cred, err := azidentity.NewManagedIdentityCredential(opts)
		if err != nil {
			p.Fail(settings.StorageCredential, "managed identity: "+err.Error())
			return nil
		}
		return cred
	case "":
		cred, err := azidentity.NewDefaultAzureCredential(nil)
		if err != nil {
			p.Fail(settings.StorageCredential, "default credential chain: "+err.Error())
			return nil
		}
		return cred
	}
	p.Fail(settings.StorageCredential, fmt.Sprintf("want managedidentity or empty, got %q", kind))
	return nil
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
