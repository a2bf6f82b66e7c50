package ftpretrieve

import (
	"context"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/settings"
)

func TestZZProfile(t *testing.T) {
	if os.Getenv("PROFILE_RUN") == "" {
		t.Skip()
	}
	tdir, _ := os.MkdirTemp("/dev/shm", "prof-")
	defer os.RemoveAll(tdir)
	env := settings.MapEnv{
		"AzureWebJobsStorage": "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10100/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10101/devstoreaccount1;",
		"OpsTimeZone": "UTC", "FTPServer": "127.0.0.1:2131", "FTPUsername": "anonymous", "FTPPassword": "x",
		"FTPTLS": "none", "FTPSourceDirectory": "many", "FTPFilePattern": "HR_*.csv", "FTPTarget": "local",
		"FTPTargetDirectory": tdir, "FTPTargetSubfolder": "", "FTPMinFileAge": "0s", "FTPMaxConnections": os.Getenv("PROFILE_RUN"),
	}
	f, _ := os.Create("/tmp/pb/cpu.prof")
	pprof.StartCPUProfile(f)
	start := time.Now()
	inv := &function.Invocation{Env: env, Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), Clock: time.Now}
	err := run(context.Background(), inv)
	pprof.StopCPUProfile()
	t.Logf("took %v err %v", time.Since(start), err)
}
