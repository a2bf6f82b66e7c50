package clients_test

import (
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestSharePointNeverHidesBadSettings: once a client for a site is cached, a
// caller whose other settings are bad still gets an error naming them.
func TestSharePointNeverHidesBadSettings(t *testing.T) {
	env := settings.MapEnv{"SPSiteUrl": "https://contoso.sharepoint.com/sites/shared-test", "SPCleanupMode": "shred"}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if _, err := clients.SharePoint(settings.NewParser(env), log); err != nil {
		t.Fatalf("first client: %v", err)
	}
	p := settings.NewParser(env)
	p.OneOf(settings.SPCleanupMode, "recycle", "delete")
	p.String(settings.SPListTitle) // required, missing
	_, err := clients.SharePoint(p, log)
	if err == nil || !strings.Contains(err.Error(), "SPCleanupMode") || !strings.Contains(err.Error(), "SPListTitle") {
		t.Fatalf("cached client with bad settings: err = %v", err)
	}
}

// TestSharePointAuthErrorsNameItsSettings: a bad SharePoint certificate or
// an incomplete certificate configuration is reported under the SP*
// settings' names, never with the certificate's value.
func TestSharePointAuthErrorsNameItsSettings(t *testing.T) {
	site := "https://contoso.sharepoint.com/sites/auth-test"
	tests := []struct {
		name string
		env  settings.MapEnv
		want []string
	}{
		{"not a certificate", settings.MapEnv{"SPSiteUrl": site, "SPTenantId": "t", "SPClientId": "c",
			"SPClientCertificate": "not-a-certificate-secret"}, []string{"SPClientCertificate", "neither PEM nor base64"}},
		{"tenant alone", settings.MapEnv{"SPSiteUrl": site, "SPTenantId": "t"}, []string{"SPClientId", "SPClientCertificate"}},
		{"site not https", settings.MapEnv{"SPSiteUrl": "contoso"}, []string{"SPSiteUrl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := clients.SharePoint(settings.NewParser(tt.env), slog.New(slog.DiscardHandler))
			for _, want := range tt.want {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "not-a-certificate-secret") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error quotes the certificate or spans lines: %v", err)
			}
		})
	}
}
