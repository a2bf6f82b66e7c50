package ftpretrieve

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/sink"
	"github.com/tenantops/tenantops/internal/storage"
)

// openSink builds the sink FTPTarget names. The returned close func
// releases it.
func openSink(ctx context.Context, c *config, env settings.Env, account *storage.Account, log *slog.Logger) (sink.Sink, func(), error) {
	switch c.target {
	case targetLocal:
		l, err := sink.NewLocal(c.targetDir, c.subfolder)
		if err != nil {
			return nil, nil, err
		}
		return l, func() { l.Close() }, nil
	case targetBlob:
		if err := account.EnsureContainer(ctx, c.container); err != nil {
			return nil, nil, err
		}
		b, err := sink.NewBlob(account.Blob, c.container, c.subfolder)
		return b, func() {}, err
	default:
		p := settings.NewParser(env)
		cfg := clients.WinRM(p)
		if err := p.Err(); err != nil {
			return nil, nil, err
		}
		client, err := remoteps.New(cfg, log)
		if err != nil {
			return nil, nil, err
		}
		// One PowerShell process per transfer worker receives all of its
		// files, instead of one process per file.
		uploads := client.NewUploads(ctx, max(c.maxConns, 1))
		w, err := sink.NewWinRM(clients.WinRMUploads{Uploads: uploads}, c.targetDir, c.subfolder)
		if err != nil {
			_ = uploads.Close()
			return nil, nil, err
		}
		return w, func() {
			if err := uploads.Close(); err != nil {
				log.Warn("ftpretrieve: ending the upload processes on the MIM server", "err", err.Error())
			}
		}, nil
	}
}

// openState opens the delivered-files record in the app's storage account.
func openState(ctx context.Context, c *config, env settings.Env) (*storage.Account, *state, error) {
	account, err := clients.Storage(env)
	if err != nil {
		return nil, nil, err
	}
	st, err := loadState(ctx, account, c.stateKey(), fmt.Sprintf("%s %s", c.server, c.sourceDir))
	if err != nil {
		return nil, nil, err
	}
	return account, st, nil
}
