package sharepoint

import "testing"

// TestNextLinkStaysOnTheSite resolves next links, absolute or relative, and
// refuses one that leaves the site (it would carry the bearer token away).
func TestNextLinkStaysOnTheSite(t *testing.T) {
	c := &Client{siteURL: "https://contoso.sharepoint.com/sites/Ops"}
	tests := []struct{ link, want string }{
		{"", ""},
		{"https://contoso.sharepoint.com/sites/ops/_api/web/lists/GetByTitle('Tasks')/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d5000",
			"https://contoso.sharepoint.com/sites/ops/_api/web/lists/GetByTitle('Tasks')/items?%24skiptoken=Paged%3dTRUE%26p_ID%3d5000"},
		{"/sites/Ops/_api/web/lists/GetByTitle('Tasks')/items?$skiptoken=x", "https://contoso.sharepoint.com/sites/Ops/_api/web/lists/GetByTitle('Tasks')/items?$skiptoken=x"},
		{"https://evil.example/sites/Ops/_api/x", "error"},
		{"https://contoso.sharepoint.com/sites/Other/_api/x", "error"},
	}
	for _, tt := range tests {
		got, err := c.nextLinkOnSite(tt.link)
		if err != nil {
			got = "error"
		}
		if got != tt.want {
			t.Errorf("nextLinkOnSite(%q) = %q, want %q", tt.link, got, tt.want)
		}
	}
}
