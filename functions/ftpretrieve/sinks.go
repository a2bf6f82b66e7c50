package ftpretrieve

import (
	"context"
	"fmt"
	"io"
	"log/slog"

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
		cfg := remoteps.ConfigFromSettings(p)
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
		w, err := sink.NewWinRM(remoteUploader{uploads}, c.targetDir, c.subfolder)
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

// remoteUploader adapts the remote PowerShell uploads to the sink's
// SizedUploader.
type remoteUploader struct{ u *remoteps.Uploads }

// Upload implements sink.Uploader.
func (r remoteUploader) Upload(ctx context.Context, src io.Reader, remotePath string) (sink.Uploaded, error) {
	return r.UploadSized(ctx, src, remotePath, -1)
}

// UploadSized implements sink.SizedUploader.
func (r remoteUploader) UploadSized(ctx context.Context, src io.Reader, remotePath string, size int64) (sink.Uploaded, error) {
	res, err := r.u.UploadSized(ctx, src, remotePath, size)
	if err != nil {
		return sink.Uploaded{}, err
	}
	return sink.Uploaded{Path: res.RemotePath, Size: res.Size, SHA256: res.SHA256}, nil
}

// Compile-time check that the adapter fits.
var _ sink.SizedUploader = remoteUploader{}

// openState opens the delivered-files record in the app's storage account.
func openState(ctx context.Context, c *config, env settings.Env) (*storage.Account, *state, error) {
	account, err := storage.Open(env)
	if err != nil {
		return nil, nil, err
	}
	st, err := loadState(ctx, account, c.stateKey(), fmt.Sprintf("%s %s", c.server, c.sourceDir))
	if err != nil {
		return nil, nil, err
	}
	return account, st, nil
}
