package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

func TestNewFromConnectionString(t *testing.T) {
	tests := []struct {
		name     string
		conn     string
		wantBlob string // the blob endpoint the account talks to
		wantErr  string
	}{
		{"development shortcut", "UseDevelopmentStorage=true", "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"development shortcut spaced", " UseDevelopmentStorage = true ", "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"connection string", "DefaultEndpointsProtocol=https;AccountName=opsstore;AccountKey=a2V5;EndpointSuffix=core.windows.net",
			"https://opsstore.blob.core.windows.net", ""},
		{"development shortcut, other case", "usedevelopmentstorage=TRUE;", "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"development shortcut via a proxy", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite.local",
			"http://azurite.local:10000/devstoreaccount1", ""},
		{"development shortcut, proxy with a port", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=https://127.0.0.2:8888/",
			"https://127.0.0.2:10000/devstoreaccount1", ""},
		{"development shortcut false", "UseDevelopmentStorage=false", "", "UseDevelopmentStorage must be true"},
		{"development shortcut, bad proxy", "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=azurite", "", "DevelopmentStorageProxyUri"},
		{"sovereign cloud suffix", "DefaultEndpointsProtocol=https;AccountName=opsstore;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn",
			"https://opsstore.blob.core.chinacloudapi.cn", ""},
		{"explicit endpoints with a key", "AccountName=opsstore;AccountKey=a2V5;BlobEndpoint=https://blob.private.example.test/;QueueEndpoint=https://queue.private.example.test/",
			"https://blob.private.example.test", ""},
		{"SAS only", "BlobEndpoint=https://opsstore.blob.core.windows.net/;QueueEndpoint=https://opsstore.queue.core.windows.net/;" +
			"SharedAccessSignature=sv=2022-11-02&ss=bq&srt=sco&sp=rwdlacup&se=2030-01-01T00:00:00Z&sig=c2VjcmV0LWtleQ%3D%3D", "https://opsstore.blob.core.windows.net", ""},
		{"SAS with a leading question mark", "SharedAccessSignature=?sv=2022-11-02&sig=c2VjcmV0LWtleQ%3D%3D;BlobEndpoint=https://opsstore.blob.core.windows.net;QueueEndpoint=https://opsstore.queue.core.windows.net",
			"https://opsstore.blob.core.windows.net", ""},
		{"keys in other case and spaced", "defaultendpointsprotocol = https ; accountname = opsstore ; accountkey = a2V5 ;",
			"https://opsstore.blob.core.windows.net", ""},
		{"SAS without a queue endpoint", "BlobEndpoint=https://opsstore.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=c2VjcmV0LWtleQ%3D%3D",
			"", "neither QueueEndpoint nor AccountName"},
		{"account name without a key", "AccountName=opsstore", "", "neither AccountKey nor SharedAccessSignature"},
		{"key without an account name", "AccountKey=c2VjcmV0LWtleQ==;BlobEndpoint=https://b.example.test;QueueEndpoint=https://q.example.test", "", "AccountKey needs AccountName"},
		{"key not base64", "AccountName=opsstore;AccountKey=c2VjcmV0LWtleQ==!", "", "AccountKey is not base64"},
		{"unknown protocol", "DefaultEndpointsProtocol=ftp;AccountName=opsstore;AccountKey=c2VjcmV0LWtleQ==", "", "DefaultEndpointsProtocol"},
		{"pasted key alone", "c2VjcmV0LWtleQ==", "", "no known key"},
		{"malformed connection string", "AccountKey=c2VjcmV0LWtleQ==;nonsense", "", "not a usable connection string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct, err := storage.New(storage.Config{ConnectionString: tt.conn, Source: "AzureWebJobsStorage"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "c2VjcmV0LWtleQ") {
					t.Errorf("error quotes the account key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			endpoint, _, _ := strings.Cut(acct.Blob.URL(), "?") // a SAS travels in the query
			if got := strings.TrimRight(endpoint, "/"); got != tt.wantBlob {
				t.Errorf("blob endpoint %s, want %s", got, tt.wantBlob)
			}
		})
	}
}

func TestNewFromIdentityNeedsBothEndpointsAndACredential(t *testing.T) {
	for _, cfg := range []storage.Config{
		{BlobURL: "https://b.example.test/"},
		{QueueURL: "https://q.example.test/"},
		{BlobURL: "https://b.example.test/", QueueURL: "https://q.example.test/"},
	} {
		if _, err := storage.New(cfg); err == nil {
			t.Errorf("New(%+v) opened an account", cfg)
		}
	}
}

func TestBlobWritesAreGuardedByETag(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	if err := acct.EnsureContainer(ctx, "state"); err != nil {
		t.Fatal(err)
	}
	if err := acct.EnsureContainer(ctx, "state"); err != nil {
		t.Fatalf("second EnsureContainer: %v", err)
	}
	if _, _, err := acct.ReadBlob(ctx, "state", "token"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("read of a missing blob: %v, want ErrNotFound", err)
	}
	if _, _, err := acct.ReadBlob(ctx, "no-such-container", "token"); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("read from a missing container: %v, want ErrNotFound", err)
	}
	first, err := acct.WriteBlob(ctx, "state", "token", []byte("1"), "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acct.WriteBlob(ctx, "state", "token", []byte("again"), ""); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("create over an existing blob: %v, want ErrConflict", err)
	}
	second, err := acct.WriteBlob(ctx, "state", "token", []byte("2"), first)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := acct.WriteBlob(ctx, "state", "token", []byte("stale"), first); !errors.Is(err, storage.ErrConflict) {
		t.Fatalf("write with a stale ETag: %v, want ErrConflict", err)
	}
	data, etag, err := acct.ReadBlob(ctx, "state", "token")
	if err != nil || string(data) != "2" || etag != second {
		t.Fatalf("read = %q %s %v, want 2 with the second ETag %s", data, etag, err, second)
	}
}

func TestEnqueueIsBase64(t *testing.T) {
	acct := azuritetest.Start(t).Account
	ctx := context.Background()
	if err := acct.EnsureQueue(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if err := acct.EnsureQueue(ctx, "work"); err != nil {
		t.Fatalf("second EnsureQueue: %v", err)
	}
	if err := acct.Enqueue(ctx, "work", []byte(`{"v":1}`)); err != nil {
		t.Fatal(err)
	}
	resp, err := acct.Queue.NewQueueClient("work").PeekMessages(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Messages) != 1 || *resp.Messages[0].MessageText != "eyJ2IjoxfQ==" {
		t.Fatalf("queue holds %d message(s), want one base64 {\"v\":1}", len(resp.Messages))
	}
	if err := acct.Enqueue(ctx, "missing-queue", []byte("x")); err == nil {
		t.Error("enqueue on a missing queue succeeded")
	}
}
