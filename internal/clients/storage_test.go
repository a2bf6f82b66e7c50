package clients_test

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestStorage: every form of the AzureWebJobsStorage settings opens the
// account it names, and a bad one is named with the reason, never its secret.
func TestStorage(t *testing.T) {
	tests := []struct {
		name     string
		env      settings.MapEnv
		wantBlob string // the blob endpoint the account talks to
		wantErr  string
	}{
		{"development shortcut", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true"}, "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"development shortcut spaced", settings.MapEnv{"AzureWebJobsStorage": " UseDevelopmentStorage = true "}, "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"connection string", settings.MapEnv{"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=opsstore;AccountKey=a2V5;EndpointSuffix=core.windows.net"},
			"https://opsstore.blob.core.windows.net", ""},
		{"identity by account name", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore", "AzureWebJobsStorage__credential": "managedidentity"},
			"https://opsstore.blob.core.windows.net", ""},
		{"identity by endpoints", settings.MapEnv{"AzureWebJobsStorage__blobServiceUri": "https://b.example.test/",
			"AzureWebJobsStorage__queueServiceUri": "https://q.example.test/", "AzureWebJobsStorage__credential": "managedidentity"}, "https://b.example.test", ""},
		{"nothing set", settings.MapEnv{}, "", "AzureWebJobsStorage: missing"},
		{"only a blob endpoint", settings.MapEnv{"AzureWebJobsStorage__blobServiceUri": "https://b.example.test/", "AzureWebJobsStorage__credential": "managedidentity"}, "", "AzureWebJobsStorage__queueServiceUri: missing"},
		{"only a queue endpoint", settings.MapEnv{"AzureWebJobsStorage__queueServiceUri": "https://q.example.test/"}, "", "AzureWebJobsStorage__blobServiceUri: missing"},
		{"identity by endpoints, default credential chain", settings.MapEnv{"AzureWebJobsStorage__blobServiceUri": "https://opsstore.blob.core.windows.net",
			"AzureWebJobsStorage__queueServiceUri": "https://opsstore.queue.core.windows.net"}, "https://opsstore.blob.core.windows.net", ""},
		{"identity, user-assigned", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore", "AzureWebJobsStorage__credential": "ManagedIdentity",
			"AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001"}, "https://opsstore.blob.core.windows.net", ""},
		{"identity, endpoint overrides the account name", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore",
			"AzureWebJobsStorage__blobServiceUri": "https://blob.private.example.test/"}, "https://blob.private.example.test", ""},
		{"empty connection string falls back to identity", settings.MapEnv{"AzureWebJobsStorage": " ", "AzureWebJobsStorage__accountName": "opsstore"},
			"https://opsstore.blob.core.windows.net", ""},
		{"identity endpoint not a URL", settings.MapEnv{"AzureWebJobsStorage__blobServiceUri": "opsstore.blob", "AzureWebJobsStorage__queueServiceUri": "https://q.example.test/"},
			"", "AzureWebJobsStorage__blobServiceUri: want the service's URL"},
		{"development shortcut, other case", settings.MapEnv{"AzureWebJobsStorage": "usedevelopmentstorage=TRUE;"}, "http://127.0.0.1:10000/devstoreaccount1", ""},
		{"development shortcut via a proxy", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=http://azurite.local"},
			"http://azurite.local:10000/devstoreaccount1", ""},
		{"development shortcut, proxy with a port", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=https://127.0.0.2:8888/"},
			"https://127.0.0.2:10000/devstoreaccount1", ""},
		{"development shortcut false", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=false"}, "", "UseDevelopmentStorage must be true"},
		{"development shortcut, bad proxy", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true;DevelopmentStorageProxyUri=azurite"}, "", "DevelopmentStorageProxyUri"},
		{"sovereign cloud suffix", settings.MapEnv{"AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=opsstore;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn"},
			"https://opsstore.blob.core.chinacloudapi.cn", ""},
		{"explicit endpoints with a key", settings.MapEnv{"AzureWebJobsStorage": "AccountName=opsstore;AccountKey=a2V5;BlobEndpoint=https://blob.private.example.test/;QueueEndpoint=https://queue.private.example.test/"},
			"https://blob.private.example.test", ""},
		{"SAS only", settings.MapEnv{"AzureWebJobsStorage": "BlobEndpoint=https://opsstore.blob.core.windows.net/;QueueEndpoint=https://opsstore.queue.core.windows.net/;" +
			"SharedAccessSignature=sv=2022-11-02&ss=bq&srt=sco&sp=rwdlacup&se=2030-01-01T00:00:00Z&sig=c2VjcmV0LWtleQ%3D%3D"}, "https://opsstore.blob.core.windows.net", ""},
		{"SAS with a leading question mark", settings.MapEnv{"AzureWebJobsStorage": "SharedAccessSignature=?sv=2022-11-02&sig=c2VjcmV0LWtleQ%3D%3D;BlobEndpoint=https://opsstore.blob.core.windows.net;QueueEndpoint=https://opsstore.queue.core.windows.net"},
			"https://opsstore.blob.core.windows.net", ""},
		{"keys in other case and spaced", settings.MapEnv{"AzureWebJobsStorage": "defaultendpointsprotocol = https ; accountname = opsstore ; accountkey = a2V5 ;"},
			"https://opsstore.blob.core.windows.net", ""},
		{"SAS without a queue endpoint", settings.MapEnv{"AzureWebJobsStorage": "BlobEndpoint=https://opsstore.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=c2VjcmV0LWtleQ%3D%3D"},
			"", "neither QueueEndpoint nor AccountName"},
		{"account name without a key", settings.MapEnv{"AzureWebJobsStorage": "AccountName=opsstore"}, "", "neither AccountKey nor SharedAccessSignature"},
		{"key without an account name", settings.MapEnv{"AzureWebJobsStorage": "AccountKey=c2VjcmV0LWtleQ==;BlobEndpoint=https://b.example.test;QueueEndpoint=https://q.example.test"}, "", "AccountKey needs AccountName"},
		{"key not base64", settings.MapEnv{"AzureWebJobsStorage": "AccountName=opsstore;AccountKey=c2VjcmV0LWtleQ==!"}, "", "AccountKey is not base64"},
		{"unknown protocol", settings.MapEnv{"AzureWebJobsStorage": "DefaultEndpointsProtocol=ftp;AccountName=opsstore;AccountKey=c2VjcmV0LWtleQ=="}, "", "DefaultEndpointsProtocol"},
		{"pasted key alone", settings.MapEnv{"AzureWebJobsStorage": "c2VjcmV0LWtleQ=="}, "", "no known key"},
		{"unresolved Key Vault reference", settings.MapEnv{"AzureWebJobsStorage": "@Microsoft.KeyVault(VaultName=kv;SecretName=storage)"}, "", "unresolved Key Vault reference"},
		{"unknown credential", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore", "AzureWebJobsStorage__credential": "password"}, "", "AzureWebJobsStorage__credential"},
		{"malformed connection string", settings.MapEnv{"AzureWebJobsStorage": "AccountKey=c2VjcmV0LWtleQ==;nonsense"}, "", "not a usable connection string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct, err := clients.Storage(tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "c2VjcmV0LWtleQ") {
					t.Errorf("error quotes the account key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			endpoint, _, _ := strings.Cut(acct.Blob.URL(), "?") // a SAS travels in the query
			if got := strings.TrimRight(endpoint, "/"); got != tt.wantBlob {
				t.Errorf("blob endpoint %s, want %s", got, tt.wantBlob)
			}
		})
	}
}

// TestStorageIsOpenedOncePerSettings: the same settings give the same
// account (and so one credential per process for an identity-based one);
// other settings give another.
func TestStorageIsOpenedOncePerSettings(t *testing.T) {
	env := settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore"}
	first, err := clients.Storage(env)
	if err != nil {
		t.Fatal(err)
	}
	again, err := clients.Storage(settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore"})
	if err != nil {
		t.Fatal(err)
	}
	if again != first {
		t.Error("the same identity-based settings opened a second account")
	}
	other, err := clients.Storage(settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore",
		"AzureWebJobsStorage__credential": "managedidentity"})
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Error("another credential setting was served the cached account")
	}
}
