package azuritetest_test

import (
	"context"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
)

func TestStartServesBlobsAndQueues(t *testing.T) {
	srv := azuritetest.Start(t)
	ctx := context.Background()
	if u := endpoint(t, srv.ConnectionString, "QueueEndpoint"); u.Hostname() != "127.0.0.1" {
		t.Fatalf("queue endpoint %s is not on loopback", u)
	}

	if err := srv.Account.EnsureContainer(ctx, "probe"); err != nil {
		t.Fatalf("create container: %v", err)
	}
	if _, err := srv.Account.WriteBlob(ctx, "probe", "hello.txt", []byte("hello"), ""); err != nil {
		t.Fatalf("write blob: %v", err)
	}
	got, _, err := srv.Account.ReadBlob(ctx, "probe", "hello.txt")
	if err != nil || string(got) != "hello" {
		t.Fatalf("read blob = %q, %v; want hello", got, err)
	}

	if err := srv.Account.EnsureQueue(ctx, "probe-queue"); err != nil {
		t.Fatalf("create queue: %v", err)
	}
	if err := srv.Account.Enqueue(ctx, "probe-queue", []byte("hi")); err != nil {
		t.Fatalf("enqueue: %v", err)
	}
	resp, err := srv.Account.Queue.NewQueueClient("probe-queue").PeekMessages(ctx, nil)
	if err != nil {
		t.Fatalf("peek: %v", err)
	}
	if len(resp.Messages) != 1 || *resp.Messages[0].MessageText != "aGk=" {
		t.Fatalf("queue holds %d messages, want one base64 %q", len(resp.Messages), "aGk=")
	}
}

func TestCloseStopsTheServer(t *testing.T) {
	srv := azuritetest.Start(t)
	if err := srv.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	blob := endpoint(t, srv.ConnectionString, "BlobEndpoint")
	if conn, err := net.Dial("tcp", blob.Host); err == nil {
		conn.Close()
		t.Fatalf("%s still accepts connections after Close", blob.Host)
	}
}

func endpoint(t *testing.T, conn, key string) *url.URL {
	t.Helper()
	for _, part := range strings.Split(conn, ";") {
		if v, ok := strings.CutPrefix(part, key+"="); ok {
			u, err := url.Parse(v)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return u
		}
	}
	t.Fatalf("no %s in the connection string", key)
	return nil
}
