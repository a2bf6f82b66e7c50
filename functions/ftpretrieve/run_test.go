package ftpretrieve

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/testonly/logbuf"

	"github.com/tenantops/tenantops/internal/ftpsource"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/testonly/azuritetest"
	"github.com/tenantops/tenantops/internal/testonly/ftptest"
	"github.com/tenantops/tenantops/internal/testonly/winrmtest"
)

// logLines collects the JSON log lines of an invocation.
type logLines struct{ logbuf.Buffer }

// find returns the lines whose msg is msg.
func (l *logLines) find(msg string) []map[string]any { return l.JSONLines(msg) }

// fixture is an FTP server with files, Azurite, and the settings that join them.
type fixture struct {
	srv   *ftptest.Server
	az    *azuritetest.Server
	env   settings.MapEnv
	today string // yyyyMMdd in UTC
	// figures are the key figures of the last invocation.
	figures map[string]any
}

func newFixture(t *testing.T, mode ftptest.Mode, hostile []string) *fixture {
	t.Helper()
	f := &fixture{az: azuritetest.Start(t), today: time.Now().UTC().Format("20060102")}
	f.srv = ftptest.ServerT(t, ftptest.Options{Mode: mode, Hostile: hostile, Password: "Ftp-s3cret-pw"})
	if err := os.Mkdir(filepath.Join(f.srv.Dir, "outbox"), 0o755); err != nil {
		t.Fatal(err)
	}
	f.env = settings.MapEnv{
		"AzureWebJobsStorage": f.az.ConnectionString,
		"OpsTimeZone":         "UTC",
		"FTPServer":           f.srv.Addr,
		"FTPUsername":         f.srv.User,
		"FTPPassword":         f.srv.Password,
		"FTPSourceDirectory":  "/outbox",
		"FTPFilePattern":      "HR_{yyyyMMdd}_*.csv",
		"FTPTarget":           "local",
		"FTPTargetDirectory":  t.TempDir(),
		"FTPTLS":              string(mode),
		"FTPTimeout":          "10s",
	}
	if f.srv.Cert != nil {
		f.env["FTPCACert"] = string(f.srv.Cert.CertPEM)
	}
	return f
}

// put writes a file into the server's outbox, modified age ago.
func (f *fixture) put(t *testing.T, name string, size int, age time.Duration) []byte {
	t.Helper()
	data := make([]byte, size)
	_, _ = rand.Read(data)
	p := filepath.Join(f.srv.Dir, "outbox", name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Now().Add(-age)
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	return data
}

func (f *fixture) invoke(t *testing.T) (*logLines, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return f.invokeCtx(t, ctx)
}

// invokeCtx runs one invocation under ctx, as the handler gives it.
func (f *fixture) invokeCtx(t *testing.T, ctx context.Context) (*logLines, error) {
	t.Helper()
	logs := &logLines{}
	inv := &function.Invocation{ID: "test", Function: "FtpRetrieve", Env: f.env,
		Log: slog.New(slog.NewJSONHandler(logs, nil)), Clock: time.Now, Outputs: map[string]any{}}
	err := Declaration.Run(ctx, inv)
	f.figures = inv.Figures()
	return logs, err
}

// wantFigures checks key figures of the last invocation.
func (f *fixture) wantFigures(t *testing.T, want map[string]int) {
	t.Helper()
	for name, w := range want {
		if got, ok := f.figures[name]; !ok || fmt.Sprint(got) != fmt.Sprint(w) {
			t.Errorf("figure %s = %v, want %d (figures %v)", name, got, w, f.figures)
		}
	}
}

func (f *fixture) targetDir() string {
	return filepath.Join(f.env["FTPTargetDirectory"], time.Now().UTC().Format("2006-01-02"))
}

func filesUnder(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func summaryOf(t *testing.T, logs *logLines) map[string]any {
	t.Helper()
	s := logs.find("FtpRetrieve summary")
	if len(s) != 1 {
		t.Fatalf("want one summary line, got %d:\n%s", len(s), logs)
	}
	return s[0]
}

func wantCounts(t *testing.T, logs *logLines, fetched, skipped, rejected, failed int) {
	t.Helper()
	s := summaryOf(t, logs)
	for k, want := range map[string]int{"fetched": fetched, "skipped": skipped, "rejected": rejected, "failed": failed} {
		if got, _ := s[k].(float64); int(got) != want {
			t.Errorf("summary %s = %v, want %d (summary %v)", k, s[k], want, s)
		}
	}
}

func TestRunDeliversTodaysFilesAndSkipsThemNextTime(t *testing.T) {
	for _, mode := range []ftptest.Mode{ftptest.Plain, ftptest.Explicit, ftptest.Implicit} {
		t.Run(string(mode), func(t *testing.T) {
			f := newFixture(t, mode, nil)
			a := f.put(t, "HR_"+f.today+"_staff.csv", 300_000, time.Hour)
			b := f.put(t, "HR_"+f.today+"_leavers.csv", 1_000, time.Hour)
			f.put(t, "HR_19990101_staff.csv", 10, time.Hour)
			f.put(t, "HR_"+f.today+"_writing.csv", 10, 0)

			logs, err := f.invoke(t)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, logs)
			}
			wantCounts(t, logs, 2, 1, 0, 0)
			f.wantFigures(t, map[string]int{"filesDelivered": 2, "filesSkipped": 1, "filesRefused": 0,
				"filesFailed": 0, "listingUnparsed": 0, "stateRecords": 2, "bytesDelivered": 301_000})
			clear := logs.find("FTPTLS=none: the FTP user name and password cross the network in clear text")
			if want := map[ftptest.Mode]int{ftptest.Plain: 1}[mode]; len(clear) != want {
				t.Errorf("%d clear-text warnings, want %d", len(clear), want)
			}
			got := filesUnder(t, f.env["FTPTargetDirectory"])
			day := time.Now().UTC().Format("2006-01-02")
			want := []string{day + "/HR_" + f.today + "_leavers.csv", day + "/HR_" + f.today + "_staff.csv"}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Fatalf("delivered %v, want %v", got, want)
			}
			for name, data := range map[string][]byte{"HR_" + f.today + "_staff.csv": a, "HR_" + f.today + "_leavers.csv": b} {
				if got, _ := os.ReadFile(filepath.Join(f.targetDir(), name)); !bytes.Equal(got, data) {
					t.Errorf("%s: content differs", name)
				}
			}
			lines := logs.find("delivered")
			if len(lines) != 2 {
				t.Fatalf("want a log line per file, got %d", len(lines))
			}
			for _, k := range []string{"file", "bytes", "seconds", "MBps", "sink"} {
				if _, ok := lines[0][k]; !ok {
					t.Errorf("per-file line lacks %q: %v", k, lines[0])
				}
			}
			if strings.Contains(logs.String(), f.srv.Password) {
				t.Error("the password reached the log")
			}

			logs, err = f.invoke(t)
			if err != nil {
				t.Fatalf("second run: %v", err)
			}
			wantCounts(t, logs, 0, 3, 0, 0)
		})
	}
}

func TestRunRejectsHostileNamesAndFails(t *testing.T) {
	f := newFixture(t, ftptest.Plain, ftptest.DefaultHostileNames)
	f.env["FTPFilePattern"] = "*"
	base := t.TempDir()
	f.env["FTPTargetDirectory"] = filepath.Join(base, "target")
	f.put(t, "fine.csv", 100, time.Hour)
	logs, err := f.invoke(t)
	if !errors.Is(err, ErrRejected) {
		t.Fatalf("got %v, want ErrRejected\n%s", err, logs)
	}
	wantCounts(t, logs, 1, 0, len(ftptest.DefaultHostileNames), 0)
	if n := len(logs.find("rejected unsafe file name")); n != len(ftptest.DefaultHostileNames) {
		t.Errorf("%d rejection lines, want %d", n, len(ftptest.DefaultHostileNames))
	}
	if got := filesUnder(t, base); len(got) != 1 || !strings.HasSuffix(got[0], "/fine.csv") {
		t.Fatalf("files around the target: %v", got)
	}
}

func TestRunCutTransferLeavesNothingAndReRunCompletes(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	name := "HR_" + f.today + "_big.csv"
	data := f.put(t, name, 2<<20, time.Hour)
	f.srv.DropAfter(500_000)
	logs, err := f.invoke(t)
	if err == nil {
		t.Fatalf("a run with cut transfers succeeded\n%s", logs)
	}
	wantCounts(t, logs, 0, 0, 0, 1)
	if got := filesUnder(t, f.env["FTPTargetDirectory"]); len(got) != 0 {
		t.Fatalf("a cut transfer left %v", got)
	}
	f.srv.DropAfter(0)
	logs, err = f.invoke(t)
	if err != nil {
		t.Fatalf("re-run: %v\n%s", err, logs)
	}
	wantCounts(t, logs, 1, 0, 0, 0)
	if got, _ := os.ReadFile(filepath.Join(f.targetDir(), name)); !bytes.Equal(got, data) {
		t.Fatal("re-run content differs")
	}
}

func TestRunZeroMatchesWarnsMissingDirFails(t *testing.T) {
	f := newFixture(t, ftptest.Plain, nil)
	f.put(t, "other.txt", 10, time.Hour)
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("zero matches failed the run: %v", err)
	}
	if len(logs.find("no file matches the pattern")) != 1 {
		t.Errorf("no warning for zero matches:\n%s", logs)
	}
	f.env["FTPSourceDirectory"] = "/missing"
	logs, err = f.invoke(t)
	if !errors.Is(err, ftpsource.ErrNoDirectory) {
		t.Fatalf("a missing source directory: got %v, want ErrNoDirectory", err)
	}
	if s := summaryOf(t, logs); s["error"] == nil {
		t.Errorf("the summary of a failed run lacks the error: %v", s)
	}
}

func TestRunManyFilesInParallel(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	f.env["FTPMaxConnections"] = "4"
	for i := range 40 {
		f.put(t, fmt.Sprintf("HR_%s_%03d.csv", f.today, i), 5_000+i, time.Hour)
	}
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	wantCounts(t, logs, 40, 0, 0, 0)
	if n := f.srv.Logins(); n > 4 {
		t.Errorf("%d logins for 4 connections", n)
	}
}

func TestRunToBlob(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	f.env["FTPTarget"] = "blob"
	f.env["FTPTargetContainer"] = "hr-extracts"
	f.env["FTPTargetSubfolder"] = "{yyyy}/{MM-dd}"
	name := "HR_" + f.today + "_staff.csv"
	data := f.put(t, name, 5<<20, time.Hour)
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	blobName := time.Now().UTC().Format("2006/01-02") + "/" + name
	got, _, err := f.az.Account.ReadBlob(context.Background(), "hr-extracts", blobName)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("blob %s: %v", blobName, err)
	}
}

func TestRunToWinRM(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	w := winrmtest.Start(t, winrmtest.Options{HTTPS: true})
	f.env["FTPTarget"] = "winrm"
	f.env["FTPTargetDirectory"] = `C:\MIM\Imports`
	f.env["MIMSyncServer"] = w.Host
	f.env["MIMSyncWinRMPort"] = strconv.Itoa(w.Port)
	f.env["MIMSyncWinRMUseHTTPS"] = "true"
	f.env["MIMSyncWinRMCACert"] = string(w.CACertPEM)
	f.env["MIMSyncCredUser"] = w.User()
	f.env["MIMSyncCredPassword"] = w.Password()
	name := "HR_" + f.today + "_staff.csv"
	data := f.put(t, name, 700_000, time.Hour)
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	remote := `C:\MIM\Imports\` + time.Now().UTC().Format("2006-01-02") + `\` + name
	got, err := w.Disk.ReadFile(remote)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("%s: %v", remote, err)
	}
	if strings.Contains(logs.String(), w.Password()) {
		t.Error("the WinRM password reached the log")
	}

	// A cut FTP transfer leaves nothing on the server either.
	cut := "HR_" + f.today + "_cut.csv"
	f.put(t, cut, 2<<20, time.Hour)
	f.srv.DropAfter(300_000)
	if _, err := f.invoke(t); err == nil {
		t.Fatal("a run with a cut transfer succeeded")
	}
	if _, err := w.Disk.ReadFile(`C:\MIM\Imports\` + time.Now().UTC().Format("2006-01-02") + `\` + cut); err == nil {
		t.Fatal("a cut transfer reached the MIM server")
	}
}

func TestCheckReportsTodaysSelection(t *testing.T) {
	f := newFixture(t, ftptest.Explicit, nil)
	f.put(t, "HR_"+f.today+"_staff.csv", 10, time.Hour)
	f.put(t, "HR_19990101_staff.csv", 10, time.Hour)
	inv := &function.Invocation{ID: "check", Function: "FtpRetrieve", Env: f.env,
		Log: slog.New(slog.DiscardHandler), Clock: time.Now, Outputs: map[string]any{}}
	rows := Declaration.Check(context.Background(), inv)
	if len(rows) != 4 {
		t.Fatalf("rows: %+v", rows)
	}
	for _, r := range rows {
		if !r.OK {
			t.Errorf("%s failed: %s", r.Dependency, r.Why)
		}
	}
	if last := rows[3].Why; !strings.Contains(last, "would fetch 1") || !strings.Contains(last, "HR_"+f.today+"_staff.csv") {
		t.Errorf("selection row: %s", last)
	}
	// Unsafe names are named, quoted, and fail the check.
	h := newFixture(t, ftptest.Explicit, []string{"CON", "../x.csv"})
	h.env["FTPFilePattern"] = "*"
	h.put(t, "ok.csv", 10, time.Hour)
	inv.Env = h.env
	rows = Declaration.Check(context.Background(), inv)
	if last := rows[len(rows)-1]; last.OK || !strings.Contains(last.Why, `"../x.csv"`) || !strings.Contains(last.Why, "would fetch 1 [ok.csv]") {
		t.Errorf("selection row with unsafe names: %+v", last)
	}
	inv.Env = f.env
	f.env["FTPPassword"] = "wrong-password"
	rows = Declaration.Check(context.Background(), inv)
	if len(rows) != 2 || rows[1].OK || !strings.Contains(rows[1].Why, "530") || strings.Contains(rows[1].Why, "wrong-password") {
		t.Fatalf("a wrong password passed the check or was not explained: %+v", rows)
	}
}

func TestSettingsErrorsNameEverySetting(t *testing.T) {
	env := settings.MapEnv{"FTPTLS": "sometimes", "FTPFilePattern": "HR_{yyyyQQ}.csv", "FTPTarget": "local",
		"FTPMinFileAge": "soon", "FTPTargetSubfolder": "../up"}
	_, err := loadConfig(env, time.Now())
	if err == nil {
		t.Fatal("bad settings accepted")
	}
	for _, name := range []string{"FTPServer", "FTPUsername", "FTPPassword", "FTPTLS", "FTPFilePattern",
		"FTPMinFileAge", "FTPTargetDirectory", "FTPTargetSubfolder"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestRunAgainstVsftpdWithTLSSessionReuse(t *testing.T) {
	root := t.TempDir()
	v := ftptest.VsftpdT(t, ftptest.VsftpdOptions{Root: root, Mode: ftptest.Explicit, MaxPerIP: 2})
	az := azuritetest.Start(t)
	today := time.Now().UTC().Format("20060102")
	outbox := filepath.Join(root, "outbox")
	if err := os.MkdirAll(outbox, 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	want := map[string][]byte{}
	for i := range 6 {
		name := fmt.Sprintf("HR_%s_%d.csv", today, i)
		want[name] = make([]byte, 100_000+i)
		_, _ = rand.Read(want[name])
		p := filepath.Join(outbox, name)
		if err := os.WriteFile(p, want[name], 0o644); err != nil {
			t.Fatal(err)
		}
		_ = os.Chtimes(p, old, old)
	}
	// Still being written: vsftpd lists it to the minute, so it is young.
	if err := os.WriteFile(filepath.Join(outbox, "HR_"+today+"_new.csv"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	target := t.TempDir()
	env := settings.MapEnv{
		"AzureWebJobsStorage": az.ConnectionString, "OpsTimeZone": "UTC",
		"FTPServer": v.Addr, "FTPUsername": "anonymous", "FTPPassword": "guest@example.org",
		"FTPCACert": string(v.Cert.CertPEM), "FTPTLS": "explicit",
		// vsftpd without privileges does not chroot: paths are relative to its root.
		"FTPSourceDirectory": "outbox", "FTPFilePattern": "HR_{yyyyMMdd}_*.csv",
		"FTPTarget": "local", "FTPTargetDirectory": target, "FTPTargetSubfolder": "",
		"FTPMaxConnections": "4", // vsftpd allows 2 per address: the pool shrinks
	}
	f := &fixture{env: env}
	logs, err := f.invoke(t)
	if err != nil {
		t.Fatalf("run: %v\n%s", err, logs)
	}
	wantCounts(t, logs, 6, 1, 0, 0)
	for name, data := range want {
		if got, _ := os.ReadFile(filepath.Join(target, name)); !bytes.Equal(got, data) {
			t.Errorf("%s differs", name)
		}
	}
	logs, err = f.invoke(t)
	if err != nil {
		t.Fatalf("second run: %v", err)
	}
	wantCounts(t, logs, 0, 7, 0, 0)
}
