package sharepoint_test

import (
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/tenantops/tenantops/internal/sharepoint"
)

// TestOffAppServiceTheDefaultChainIsUsed: on a workstation there is no
// managed identity endpoint, so the credential is the default chain, which
// ends with the developer's Azure CLI login; on App Service it is the
// managed identity.
func TestOffAppServiceTheDefaultChainIsUsed(t *testing.T) {
	t.Setenv("IDENTITY_ENDPOINT", "")
	t.Setenv("MSI_ENDPOINT", "")
	cred, err := sharepoint.NewCredential(sharepoint.CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cred.(*azidentity.DefaultAzureCredential); !ok {
		t.Errorf("credential is %T, want the default chain", cred)
	}
	t.Setenv("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi/token")
	t.Setenv("IDENTITY_HEADER", "h")
	cred, err = sharepoint.NewCredential(sharepoint.CredentialOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cred.(*azidentity.ManagedIdentityCredential); !ok {
		t.Errorf("credential is %T, want the managed identity", cred)
	}
}
