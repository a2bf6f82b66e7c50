package clients_test

import (
	"strings"
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
)

// TestGraphCloudPairs: EntraAuthorityHost reaches the credential options,
// and for a known cloud it must be the Graph endpoint's pair.
func TestGraphCloudPairs(t *testing.T) {
	tests := []struct {
		endpoint, authority, want string // want: the authority used, or "" for a refusal
	}{
		{"", "", "https://login.microsoftonline.com"},
		{"https://graph.microsoft.us", "https://login.microsoftonline.us/", "https://login.microsoftonline.us"},
		{"https://microsoftgraph.chinacloudapi.cn", "https://login.chinacloudapi.cn", "https://login.chinacloudapi.cn"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:9090", "http://127.0.0.1:9090"},
		{"https://graph.microsoft.us", "", ""},
		{"https://graph.microsoft.com", "https://login.chinacloudapi.cn", ""},
		{"https://graph.microsoft.com", "login.microsoftonline.com", ""},
	}
	for _, tt := range tests {
		p := settings.NewParser(settings.MapEnv{"EntraGraphEndpoint": tt.endpoint, "EntraAuthorityHost": tt.authority})
		cfg := clients.GraphConfigFrom(p)
		err := p.Err()
		switch {
		case tt.want == "" && (err == nil || !strings.Contains(err.Error(), "EntraAuthorityHost")):
			t.Errorf("%s + %q accepted: %v", tt.endpoint, tt.authority, err)
		case tt.want != "" && (err != nil || cfg.Credential.AuthorityHost != tt.want):
			t.Errorf("%s + %q: %q, %v", tt.endpoint, tt.authority, cfg.Credential.AuthorityHost, err)
		}
	}
}
