package mimconfigbackup

import (
	"bytes"
	"context"
	"fmt"

	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/remoteps"
	"github.com/tenantops/tenantops/internal/storage"
)

// copyOffsite fetches the zip the script made of the backup (removing it
// from the server) and stores it as <server>/<folder>.zip in the container,
// so a copy survives the loss of the server.
func copyOffsite(ctx context.Context, inv *function.Invocation, client *remoteps.Client, opts options, s *summary) error {
	if s.ZipError != "" {
		return fmt.Errorf("off-site copy: zipping the backup failed: %s", s.ZipError)
	}
	if s.Zip == "" {
		return fmt.Errorf("off-site copy: the script made no zip")
	}
	var zip bytes.Buffer
	got, err := client.Download(ctx, s.Zip, &zip, remoteps.DownloadOptions{Remove: true})
	if err != nil {
		return fmt.Errorf("off-site copy: %w", err)
	}
	account, err := storage.Open(inv.Env)
	if err != nil {
		return fmt.Errorf("off-site copy: %w", err)
	}
	if err := account.EnsureContainer(ctx, opts.container); err != nil {
		return fmt.Errorf("off-site copy: %w", err)
	}
	name := opts.winrm.Host + "/" + s.Folder + ".zip"
	if _, err := account.Blob.UploadBuffer(ctx, opts.container, name, zip.Bytes(), nil); err != nil {
		return fmt.Errorf("off-site copy: upload %s/%s: %w", opts.container, name, err)
	}
	inv.Log.Info("MimConfigBackup: zipped copy stored", "container", opts.container, "blob", name, "bytes", got.Size, "sha256", got.SHA256)
	return nil
}
