package deleteditem_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/tenantops/tenantops/functions/deleteditem"
)

func TestParse(t *testing.T) {
	const site = "https://contoso.sharepoint.com/sites/ops"
	good := `{"v":1,"siteUrl":"https://contoso.sharepoint.com/sites/ops","listId":"482e418a-0900-414b-8902-02248c2e44e8",` +
		`"listTitle":"Projects","itemId":42,"uniqueId":"6f5a2c1e-0000-4000-8000-000000000001",` +
		`"changeToken":"1;3;482e418a-0900-414b-8902-02248c2e44e8;634955266749500000;5749111","time":"2013-02-03T22:17:54Z"}`
	tests := []struct {
		name, message string
		malformed     bool
	}{
		{"the documented shape", good, false},
		{"still base64", base64.StdEncoding.EncodeToString([]byte(good)), false},
		{"site with a trailing slash, other case", `{"v":1,"siteUrl":"https://Contoso.sharepoint.com/Sites/OPS/","listId":"l","listTitle":"Projects","itemId":1}`, false},
		{"empty listTitle", `{"v":1,"siteUrl":"` + site + `","listId":"l","listTitle":"","itemId":42}`, true},
		{"no listTitle", `{"v":1,"siteUrl":"` + site + `","listId":"l","itemId":42}`, true},
		{"no listId", `{"v":1,"siteUrl":"` + site + `","listTitle":"Projects","itemId":42}`, true},
		{"blank listId", `{"v":1,"siteUrl":"` + site + `","listId":" ","listTitle":"Projects","itemId":42}`, true},
		{"not JSON", "delete 42 please", true},
		{"empty", "", true},
		{"JSON but not an object", `[42]`, true},
		{"null", `null`, true},
		{"unknown version", `{"v":2,"siteUrl":"` + site + `","itemId":42}`, true},
		{"no version", `{"siteUrl":"` + site + `","itemId":42}`, true},
		{"missing itemId", `{"v":1,"siteUrl":"` + site + `"}`, true},
		{"zero itemId", `{"v":1,"siteUrl":"` + site + `","itemId":0}`, true},
		{"negative itemId", `{"v":1,"siteUrl":"` + site + `","itemId":-3}`, true},
		{"itemId as a string", `{"v":1,"siteUrl":"` + site + `","itemId":"42"}`, true},
		{"another site", `{"v":1,"siteUrl":"https://contoso.sharepoint.com/sites/other","itemId":42}`, true},
		{"no site", `{"v":1,"itemId":42}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := deleteditem.Parse([]byte(tt.message), site)
			if got := errors.Is(err, deleteditem.ErrMalformed); got != tt.malformed {
				t.Fatalf("malformed = %v (%v), want %v", got, err, tt.malformed)
			}
			if !tt.malformed && m.ItemID <= 0 {
				t.Fatalf("parsed %+v", m)
			}
		})
	}
}

// TestWireShape pins the message to the shape and order the README documents.
func TestWireShape(t *testing.T) {
	m := deleteditem.Message{V: 1, SiteURL: "https://contoso.sharepoint.com/sites/ops", ListID: "l", ListTitle: "Projects",
		ItemID: 42, UniqueID: "u", ChangeToken: "1;3;l;1;2", Time: time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"siteUrl":"https://contoso.sharepoint.com/sites/ops","listId":"l","listTitle":"Projects","itemId":42,` +
		`"uniqueId":"u","changeToken":"1;3;l;1;2","time":"2026-11-25T08:00:00Z"}`
	if string(data) != want {
		t.Fatalf("message\n%s\nwant\n%s", data, want)
	}
}
