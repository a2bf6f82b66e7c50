package clients

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"

	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// backupAccounts keeps one opened backup account per configuration.
var backupAccounts cache[StorageConfig, *storage.Account]

// BackupStorage returns the account of MimConfigBackup's off-site copies:
// the blob endpoint MIMBackupBlobServiceUri names, reached with the
// credential of identity-based AzureWebJobsStorage (its __credential and
// __clientId settings), or, when that setting is empty, the AzureWebJobsStorage
// account itself (local development with Azurite). The backup account has
// blobs only: its Queue client is nil.
func BackupStorage(env settings.Env) (*storage.Account, error) {
	p := settings.NewParser(env)
	if !p.Set(settings.MIMBackupBlobServiceURI) {
		return Storage(env)
	}
	cfg := StorageConfig{BlobURL: serviceURI(p, settings.MIMBackupBlobServiceURI), Credential: storageCredential(p)}
	if err := p.Err(); err != nil {
		return nil, err
	}
	return backupAccounts.get(cfg, openBackupStorage)
}

func openBackupStorage(cfg StorageConfig) (*storage.Account, error) {
	cred, err := credential(cfg.Credential)
	if err != nil {
		return nil, fmt.Errorf("backup storage: %w", err)
	}
	blobs, err := azblob.NewClient(cfg.BlobURL, cred, nil)
	if err != nil {
		return nil, fmt.Errorf("backup storage: blob endpoint %s: %w", cfg.BlobURL, err)
	}
	return &storage.Account{Blob: blobs}, nil
}
