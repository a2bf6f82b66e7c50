package entradelta_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/internal/graph"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/graphtest"
	"github.com/tenantops/tenantops/internal/testonly/logbuf"
)

// One Azurite serves every test of the package.
var (
	azurite    *azuritetest.Server
	azuriteErr error
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		os.Exit(m.Run())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	azurite, azuriteErr = azuritetest.Launch(ctx)
	cancel()
	code := m.Run()
	if azurite != nil {
		_ = azurite.Close()
	}
	os.Exit(code)
}

// staticToken is a credential with a fixed token: the stand-in here
// accepts any bearer token (the graph package tests real token flows).
type staticToken struct{}

// GetToken implements azcore.TokenCredential.
func (staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: "test-token", ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// fixture is one test's tenant, state container and target folder.
type fixture struct {
	graph     *graphtest.Server
	client    *graph.Client
	account   *storage.Account
	container string
	dir       string
	local     *sink.Local
	logs      *logbuf.Buffer
	// connection is the AzureWebJobsStorage of account, for a child
	// process; empty means the package's shared Azurite.
	connection string
}

var fixtureSeq atomic.Int64

func requireAzurite(t testing.TB) *storage.Account {
	t.Helper()
	if azurite == nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("azurite: %v", azuriteErr)
		}
		t.Skipf("azurite: %v", azuriteErr)
	}
	return azurite.Account
}

// benchAzurite starts an Azurite of the benchmark's own, stopped when it
// ends: the large benchmarks, run one after another by make bench, would
// fill the shared one's 256 MiB in-memory store.
func benchAzurite(b *testing.B) (*storage.Account, string) {
	b.Helper()
	server := azuritetest.Start(b)
	return server.Account, server.ConnectionString
}

func newFixture(t testing.TB, opts graphtest.Options) *fixture {
	t.Helper()
	account := requireAzurite(t)
	srv := graphtest.New(opts)
	t.Cleanup(srv.Close)
	f := &fixture{graph: srv, account: account, logs: &logbuf.Buffer{}, dir: t.TempDir(),
		container: fmt.Sprintf("entra-%d-%d", os.Getpid(), fixtureSeq.Add(1))}
	var err error
	if f.client, err = graph.New(graph.Options{Endpoint: srv.URL(), Credential: staticToken{}, HTTPClient: srv.Client()}); err != nil {
		t.Fatal(err)
	}
	if err := account.EnsureContainer(context.Background(), f.container); err != nil {
		t.Fatal(err)
	}
	if f.local, err = sink.NewLocal(f.dir, ""); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.local.Close() })
	return f
}

var (
	userAttrs  = []string{"displayName", "mail", "accountEnabled"}
	groupAttrs = []string{"displayName", "description"}
)

// options are the export options of the fixture.
func (f *fixture) options() entradelta.Options {
	return entradelta.Options{Graph: f.client, Storage: f.account, Container: f.container, Sink: f.local,
		Lister: f.local, UserAttributes: userAttrs, GroupAttributes: groupAttrs, RetentionDays: 14,
		Log: slog.New(slog.NewTextHandler(f.logs, nil)), TempDir: os.TempDir()}
}

// export runs one round and fails the test on error.
func (f *fixture) export(t testing.TB, mod ...func(*entradelta.Options)) entradelta.Result {
	t.Helper()
	opts := f.options()
	for _, m := range mod {
		m(&opts)
	}
	res, err := entradelta.Export(context.Background(), opts)
	if err != nil {
		t.Fatalf("export: %v", err)
	}
	return res
}

// object is one object line of a change file.
type object struct {
	ObjectClass string         `json:"objectClass"`
	ID          string         `json:"id"`
	ChangeType  string         `json:"changeType"`
	Attributes  map[string]any `json:"attributes"`
	Members     []string       `json:"members"`
}

// header is a change file's first line.
type header struct {
	Format   string `json:"format"`
	Seq      int64  `json:"seq"`
	Kind     string `json:"kind"`
	Previous int64  `json:"previous"`
	Created  string `json:"created"`
	Objects  int    `json:"objects"`
	Reason   string `json:"reason"`
}

// readFile reads a change file of dir.
func readFile(t testing.TB, dir, name string) (header, []object) {
	t.Helper()
	in, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 64<<20)
	var h header
	var objs []object
	for i := 0; sc.Scan(); i++ {
		if i == 0 {
			if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
				t.Fatalf("%s header: %v", name, err)
			}
			continue
		}
		var o object
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatalf("%s line %d: %v", name, i+1, err)
		}
		objs = append(objs, o)
	}
	if h.Format != "tenantops.entra.v1" || h.Objects != len(objs) {
		t.Fatalf("%s: header %+v with %d objects", name, h, len(objs))
	}
	return h, objs
}

// files lists the change files of dir in seq order.
func files(t testing.TB, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jsonl") && !strings.HasPrefix(e.Name(), ".") {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// imported is what a MIM import of dir's files yields: the newest full
// file, then every delta after it, each object replaced whole or deleted.
// It checks the chain: seqs consecutive, previous pointing back.
func imported(t testing.TB, dir string) map[string]object {
	t.Helper()
	names := files(t, dir)
	start := -1
	for i, n := range names {
		if strings.HasSuffix(n, "-full.jsonl") {
			start = i
		}
	}
	if start < 0 {
		t.Fatalf("no full file in %v", names)
	}
	state := map[string]object{}
	var last int64
	for i, n := range names[start:] {
		h, objs := readFile(t, dir, n)
		if i > 0 && (h.Seq != last+1 || h.Previous != last || h.Kind != "delta") {
			t.Fatalf("broken chain at %s: %+v after seq %d", n, h, last)
		}
		last = h.Seq
		seen := map[string]bool{}
		for _, o := range objs {
			if seen[o.ID] {
				t.Fatalf("%s: %s twice", n, o.ID)
			}
			seen[o.ID] = true
			if o.ChangeType == "delete" {
				delete(state, o.ID)
				continue
			}
			state[o.ID] = o
		}
	}
	return state
}

// truth is what a fresh full round sees now: a new state container and
// folder, so it shares nothing with the fixture's export.
func (f *fixture) truth(t testing.TB) map[string]object {
	t.Helper()
	fresh := &fixture{graph: f.graph, client: f.client, account: f.account, logs: &logbuf.Buffer{}, dir: t.TempDir(),
		container: fmt.Sprintf("entra-%d-%d", os.Getpid(), fixtureSeq.Add(1))}
	if err := fresh.account.EnsureContainer(context.Background(), fresh.container); err != nil {
		t.Fatal(err)
	}
	var err error
	if fresh.local, err = sink.NewLocal(fresh.dir, ""); err != nil {
		t.Fatal(err)
	}
	defer fresh.local.Close()
	fresh.export(t)
	return imported(t, fresh.dir)
}

// sameObjects compares two imports.
func sameObjects(t testing.TB, got, want map[string]object) {
	t.Helper()
	g, _ := json.Marshal(sorted(got))
	w, _ := json.Marshal(sorted(want))
	if string(g) != string(w) {
		t.Fatalf("imported state differs from a fresh full round:\n got %s\nwant %s", shorten(g), shorten(w))
	}
}

func sorted(m map[string]object) []object {
	out := make([]object, 0, len(m))
	for _, o := range m {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func shorten(b []byte) string {
	if len(b) > 3000 {
		return string(b[:3000]) + "…"
	}
	return string(b)
}

// byID indexes a file's objects.
func byID(objs []object) map[string]object {
	m := map[string]object{}
	for _, o := range objs {
		m[o.ID] = o
	}
	return m
}

// fileHashes records every file's content, to prove none changes later.
func fileHashes(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, n := range files(t, dir) {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	return out
}

// unchanged fails when a file of before differs now.
func unchanged(t testing.TB, dir string, before map[string]string) {
	t.Helper()
	now := fileHashes(t, dir)
	for n, content := range before {
		if got, ok := now[n]; ok && got != content {
			t.Errorf("%s changed after it was delivered", n)
		}
	}
}
