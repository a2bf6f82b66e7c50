package clients

import (
	"fmt"
	"net/url"

	"github.com/tenantops/tenantops/internal/azcred"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// StorageConfig is the storage account the AzureWebJobsStorage settings
// select: a connection string, or the endpoints of an identity-based
// connection and its credential.
type StorageConfig struct {
	ConnectionString  string
	BlobURL, QueueURL string
	Credential        azcred.Options // identity-based connections only
}

// accounts keeps one opened account per configuration.
var accounts cache[StorageConfig, *storage.Account]

// Storage reads the storage settings from env and returns the process's
// account for them: from AzureWebJobsStorage when it is set (a connection
// string with an account key or a shared access signature, or
// UseDevelopmentStorage=true with an optional DevelopmentStorageProxyUri),
// else from the identity-based AzureWebJobsStorage__* settings, with one
// credential per process.
func Storage(env settings.Env) (*storage.Account, error) {
	p := settings.NewParser(env)
	cfg := storageConfig(p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return accounts.get(cfg, openStorage)
}

func openStorage(cfg StorageConfig) (*storage.Account, error) {
	if cfg.ConnectionString != "" {
		return storage.New(storage.Config{ConnectionString: cfg.ConnectionString, Source: settings.Storage.Name})
	}
	cred, err := credential(cfg.Credential)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return storage.New(storage.Config{BlobURL: cfg.BlobURL, QueueURL: cfg.QueueURL, Credential: cred})
}

// storageConfig reads the storage settings. Problems are recorded on
// the parser; call p.Err afterwards.
func storageConfig(p *settings.Parser) StorageConfig {
	if conn := p.String(settings.Storage); conn != "" {
		return StorageConfig{ConnectionString: conn}
	}
	name := p.String(settings.StorageAccountName)
	cfg := StorageConfig{
		BlobURL:    serviceURI(p, settings.StorageBlobServiceURI),
		QueueURL:   serviceURI(p, settings.StorageQueueServiceURI),
		Credential: storageCredential(p),
	}
	if cfg.BlobURL == "" && name != "" {
		cfg.BlobURL = "https://" + name + ".blob.core.windows.net/"
	}
	if cfg.QueueURL == "" && name != "" {
		cfg.QueueURL = "https://" + name + ".queue.core.windows.net/"
	}
	switch {
	case p.Set(settings.StorageBlobServiceURI) && !p.Set(settings.StorageQueueServiceURI) && name == "":
		p.Fail(settings.StorageQueueServiceURI, "missing: identity-based storage with AzureWebJobsStorage__blobServiceUri "+
			"also needs the queue endpoint (or AzureWebJobsStorage__accountName)")
	case p.Set(settings.StorageQueueServiceURI) && !p.Set(settings.StorageBlobServiceURI) && name == "":
		p.Fail(settings.StorageBlobServiceURI, "missing: identity-based storage with AzureWebJobsStorage__queueServiceUri "+
			"also needs the blob endpoint (or AzureWebJobsStorage__accountName)")
	case name == "" && !p.Set(settings.StorageBlobServiceURI) && !p.Set(settings.StorageQueueServiceURI):
		p.Fail(settings.Storage, "missing: set a connection string, UseDevelopmentStorage=true, "+
			"AzureWebJobsStorage__accountName, or both AzureWebJobsStorage__blobServiceUri and __queueServiceUri")
	}
	return cfg
}

// serviceURI reads an identity-based endpoint setting, which must be an
// absolute http(s) URL with no query (a token credential carries no SAS).
func serviceURI(p *settings.Parser, s settings.Spec) string {
	v := p.String(s)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err == nil && u.RawQuery != "" {
		// The query may hold a shared access signature: never quoted.
		p.Fail(s, "want the service's URL with no query (identity-based: a shared access signature is not used)")
		return ""
	}
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		p.Fail(s, fmt.Sprintf("want the service's URL such as https://<account>.blob.core.windows.net, got %q", v))
		return ""
	}
	return v
}

// storageCredential reads the credential of identity-based storage, as the
// Functions host does: the managed identity (a user-assigned one when
// __clientId is set) for __credential=managedidentity, else the default
// chain (environment, workload identity, managed identity, Azure CLI, ...).
func storageCredential(p *settings.Parser) azcred.Options {
	o := azcred.Options{Source: azcred.DefaultChain,
		Settings: azcred.Settings{ManagedIdentityClientID: settings.StorageClientID.Name}}
	if p.OneOf(settings.StorageCredential) == "managedidentity" {
		o.Source = azcred.ManagedIdentity
		o.ManagedIdentityClientID = p.String(settings.StorageClientID)
	}
	return o
}
