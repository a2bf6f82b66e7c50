package clients_test

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestBackupStorage: MIMBackupBlobServiceUri sends the off-site copies to
// their own account, with the identity of AzureWebJobsStorage and never its
// key; unset, they go to the AzureWebJobsStorage account.
func TestBackupStorage(t *testing.T) {
	const key = "AccountName=opsstore;AccountKey=c2VjcmV0LWtleQ==;DefaultEndpointsProtocol=https"
	tests := []struct {
		name      string
		env       settings.MapEnv
		wantBlob  string
		wantQueue bool // the account also has a queue client (it is the host account)
		wantErr   string
	}{
		{"unset: the host account", settings.MapEnv{"AzureWebJobsStorage": "UseDevelopmentStorage=true"},
			"http://127.0.0.1:10000/devstoreaccount1", true, ""},
		{"identity-based host, backup account named", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore",
			"AzureWebJobsStorage__credential": "managedidentity", "AzureWebJobsStorage__clientId": "00000000-0000-0000-0000-000000000001",
			"MIMBackupBlobServiceUri": "https://bkops.blob.core.windows.net/"}, "https://bkops.blob.core.windows.net", false, ""},
		{"key-based host: the backup account is still reached by identity", settings.MapEnv{"AzureWebJobsStorage": key,
			"MIMBackupBlobServiceUri": "https://bkops.blob.core.windows.net/"}, "https://bkops.blob.core.windows.net", false, ""},
		{"not a URL", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore", "MIMBackupBlobServiceUri": "bkops.blob"},
			"", false, "MIMBackupBlobServiceUri: want the service's URL"},
		{"a SAS in the URL", settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore",
			"MIMBackupBlobServiceUri": "https://bkops.blob.core.windows.net/?sv=1&sig=c2VjcmV0LWtleQ%3D%3D"}, "", false, "MIMBackupBlobServiceUri"},
		{"bad credential setting", settings.MapEnv{"AzureWebJobsStorage__credential": "password",
			"MIMBackupBlobServiceUri": "https://bkops.blob.core.windows.net/"}, "", false, "AzureWebJobsStorage__credential"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct, err := clients.BackupStorage(tt.env)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "c2VjcmV0LWtleQ") {
					t.Errorf("error quotes a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.TrimRight(acct.Blob.URL(), "/"); got != tt.wantBlob {
				t.Errorf("blob endpoint %s, want %s", got, tt.wantBlob)
			}
			if (acct.Queue != nil) != tt.wantQueue {
				t.Errorf("queue client present = %v, want %v", acct.Queue != nil, tt.wantQueue)
			}
		})
	}
}
