package spchangepoll_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/deleteditem"
	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azqueue"

	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/internal/sharepoint"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/identitytest"
	"github.com/tenantops/tenantops/internal/testonly/sptest"
)

// One Azurite and one identity stand-in serve every test of the package.
var (
	azurite    *azuritetest.Server
	azuriteErr error
	identity   *identitytest.Server
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	azurite, azuriteErr = azuritetest.Launch(ctx)
	cancel()
	var err error
	if identity, err = identitytest.Start(identitytest.Options{}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if azurite != nil {
		_ = azurite.Close()
	}
	_ = identity.Close()
	os.Exit(code)
}

// fixture is one test's SharePoint site, storage names and poll options.
type fixture struct {
	site    *sptest.Server
	account *storage.Account
	client  *sharepoint.Client
	queue   string
	logs    *logBuffer
}

var fixtureSeq atomic.Int64

func newFixture(t testing.TB) *fixture {
	t.Helper()
	if azurite == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("azurite: %v", azuriteErr)
		}
		t.Skipf("azurite: %v", azuriteErr)
	}
	t.Setenv("IDENTITY_ENDPOINT", identity.IdentityEndpoint)
	t.Setenv("IDENTITY_HEADER", identity.IdentityHeader)
	site, err := sptest.Start(sptest.Options{VerifyToken: identity.Verify})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = site.Close() })
	site.AddList("Projects")
	cred, err := azcred.New(azcred.Options{})
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	client, err := sharepoint.New(sharepoint.Options{SiteURL: site.SiteURL(), Credential: cred, Log: logs.logger(),
		Retry: sharepoint.RetryOptions{BaseDelay: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{site: site, account: azurite.Account, client: client, logs: logs,
		queue: fmt.Sprintf("sp-deleted-%d-%d", os.Getpid(), fixtureSeq.Add(1))}
	ctx := context.Background()
	if err := f.account.EnsureQueue(ctx, f.queue); err != nil {
		t.Fatal(err)
	}
	if err := f.account.EnsureContainer(ctx, f.queue); err != nil {
		t.Fatal(err)
	}
	return f
}

// options are the poll options of the fixture; the container is named like the queue.
func (f *fixture) options() spchangepoll.Options {
	return spchangepoll.Options{Client: f.client, Storage: f.account, ListTitle: "Projects",
		Queue: f.queue, Container: f.queue, Log: f.logs.logger()}
}

func (f *fixture) poll(t testing.TB, opts spchangepoll.Options) spchangepoll.Result {
	t.Helper()
	res, err := spchangepoll.Poll(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// addAndDelete adds n projects and deletes them, returning their ids.
func (f *fixture) addAndDelete(t testing.TB, n int) []int {
	t.Helper()
	ids, err := f.site.AddItems("Projects", n, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.site.DeleteItems("Projects", ids...); err != nil {
		t.Fatal(err)
	}
	return ids
}

// drain dequeues every message and returns the decoded messages.
func (f *fixture) drain(t testing.TB) []deleteditem.Message {
	t.Helper()
	q := f.account.Queue.NewQueueClient(f.queue)
	var out []deleteditem.Message
	for {
		resp, err := q.DequeueMessages(context.Background(), &azqueue.DequeueMessagesOptions{
			NumberOfMessages: ptr(int32(32)), VisibilityTimeout: ptr(int32(600))})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Messages) == 0 {
			return out
		}
		for _, m := range resp.Messages {
			data, err := base64.StdEncoding.DecodeString(*m.MessageText)
			if err != nil {
				t.Fatalf("message not base64: %v", err)
			}
			var d deleteditem.Message
			if err := json.Unmarshal(data, &d); err != nil {
				t.Fatalf("message %s: %v", data, err)
			}
			out = append(out, d)
		}
	}
}

// savedToken reads the token blob.
func (f *fixture) savedToken(t testing.TB) string {
	t.Helper()
	var found []string
	pager := f.account.Blob.NewListBlobsFlatPager(f.queue, nil)
	for pager.More() {
		page, err := pager.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range page.Segment.BlobItems {
			found = append(found, *b.Name)
		}
	}
	if len(found) != 1 {
		t.Fatalf("token blobs: %v", found)
	}
	data, _, err := f.account.ReadBlob(context.Background(), f.queue, found[0])
	if err != nil {
		t.Fatal(err)
	}
	var st struct{ ChangeToken string }
	if err := json.Unmarshal(data, &st); err != nil {
		t.Fatal(err)
	}
	return st.ChangeToken
}

func ptr[T any](v T) *T { return &v }

// logBuffer collects log lines for assertions.
type logBuffer struct{ logbuf.Buffer }

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }

// count is how many log lines contain s.
func (l *logBuffer) count(s string) int { return l.Count(s) }

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }
