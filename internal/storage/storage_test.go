package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/azuritetest"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

func TestOpen(t *testing.T) {
	tests := []struct {
		name     string
		env      settings.MapEnv
		wantBlob string // the blob endpoint the account talks to
		wantErr  string
	}{
		{"development shortcut", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true"}, "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"development shortcut spaced", settings.MapEnv{"AzureWebJobsStorage": " UseDevelopmentStorage = true "}, "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"connection string", settings.MapEnv{"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=opsstore;AccountKey=a2V5;EndpointSuffix=core.windows.net"},
			"https://opsstore.blob.core.windows.net", ""},
		{"identity by account name", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore", "AzureWebJobsStorage__credential": "managedidentity"},
			"https://opsstore.blob.core.windows.net", ""},
		{"identity by endpoints", settings.MapEnv{"AzureWebJobsStorage__blobServiceUri": "https://b.example.test/",
			"AzureWebJobsStorage__queueServiceUri": "https://q.example.test/", "AzureWebJobsStorage__credential": "managedidentity"}, "https://b.example.test", ""},
		{"nothing set", settings.MapEnv{}, "", "AzureWebJobsStorage: missing"},
		{"only a blob endpoint", settings.MapEnv{"AzureWebJobsStorage__blobServiceUri": "https://b.example.test/", "AzureWebJobsStorage__credential": "managedidentity"}, "", "AzureWebJobsStorage: missing"},
		{"unknown credential", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore", "AzureWebJobsStorage__credential": "password"}, "", "AzureWebJobsStorage__credential"},
		{"malformed connection string", settings.MapEnv{"AzureWebJobsStorage": "AccountKey=c2VjcmV0LWtleQ==;nonsense"}, "", "not a usable connection string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct, err := storage.Open(tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "c2VjcmV0LWtleQ==") {
					t.Errorf("error quotes the account key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimRight(acct.Blob.URL(), "/"); got != tt.wantBlob {
				t.Errorf("blob endpoint %s, want %s", got, tt.wantBlob)
			}
		})
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
