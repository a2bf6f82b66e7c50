package sharepoint

import (
	"fmt"
	"testing"
	"time"
)

// TestChangesInEitherJSONFlavour decodes GetChanges answers in the shapes
// Microsoft documents: verbose (d.results with __metadata, as in the REST
// reference's SP.ChangeItem example) and JSON light without metadata.
func TestChangesInEitherJSONFlavour(t *testing.T) {
	const listID = "482e418a-0900-414b-8902-02248c2e44e8"
	const token = "1;3;" + listID + ";634955266749500000;5749111"
	tests := []struct{ name, body, want string }{
		{"verbose", `{"d":{"results":[{"__metadata":{"id":"https://contoso.sharepoint.com/_api/SP.ChangeItema7e7c6e9","uri":"https://contoso.sharepoint.com/_api/SP.ChangeItem","type":"SP.ChangeItem"},` +
			`"ChangeToken":{"__metadata":{"type":"SP.ChangeToken"},"StringValue":"` + token + `"},"ChangeType":3,"SiteId":"ce11bfbb-cf9d-4b2b-a642-8673bd48cceb",` +
			`"Time":"2013-02-03T22:17:54Z","ItemId":1,"ListId":"` + listID + `","WebId":"a975b994-fc67-4203-a519-b160175ca967"}]}}`,
			"3 1 " + listID + " 2013-02-03T22:17:54Z"},
		{"nometadata", `{"value":[{"ChangeToken":{"StringValue":"` + token + `"},"ChangeType":3,"ItemId":42,"ListId":"` + listID + `",` +
			`"SiteId":"ce11bfbb-cf9d-4b2b-a642-8673bd48cceb","Time":"2013-02-03T22:17:54Z","UniqueId":"6f5a2c1e-0000-4000-8000-000000000001","WebId":"a975b994-fc67-4203-a519-b160175ca967"}]}`,
			"3 42 " + listID + " 2013-02-03T22:17:54Z"},
		{"no ListId, numbers as strings, time without zone", `{"value":[{"ChangeToken":{"StringValue":"` + token + `"},"ChangeType":"3","ItemId":"7","Time":"2013-02-03T22:17:54"}]}`,
			"3 7 " + listID + " 2013-02-03T22:17:54Z"},
		{"ChangeType spelled out", `{"value":[{"ChangeToken":{"StringValue":"` + token + `"},"ChangeType":"DeleteObject","ItemId":9,"ListId":"` + listID + `","Time":"/Date(1359929874000)/"}]}`,
			"3 9 " + listID + " 2013-02-03T22:17:54Z"},
		{"ChangeType unknown to this client", `{"value":[{"ChangeToken":{"StringValue":"` + token + `"},"ChangeType":"SomethingNew","ItemId":9,"ListId":"` + listID + `","Time":"2013-02-03T22:17:54Z"}]}`,
			"-1 9 " + listID + " 2013-02-03T22:17:54Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page []changeItem
			if _, err := decodeCollection([]byte(tt.body), &page); err != nil {
				t.Fatal(err)
			}
			if len(page) != 1 {
				t.Fatalf("%d changes, want 1", len(page))
			}
			c := page[0].change()
			got := fmt.Sprintf("%d %d %s %s", c.ChangeType, c.ItemID, c.ListID, c.Time.Format(time.RFC3339))
			if got != tt.want || c.ChangeToken != token {
				t.Fatalf("change %q (token %q), want %q", got, c.ChangeToken, tt.want)
			}
		})
	}
}

func TestDecodeCollectionNextLinks(t *testing.T) {
	tests := []struct{ name, body, next string }{
		{"JSON light", `{"value":[{"Id":1}],"odata.nextLink":"https://h/sites/a/_api/x?$skiptoken=1"}`, "https://h/sites/a/_api/x?$skiptoken=1"},
		{"OData v4 annotation", `{"value":[{"Id":1}],"@odata.nextLink":"https://h/v4"}`, "https://h/v4"},
		{"verbose", `{"d":{"results":[{"Id":1}],"__next":"https://h/verbose"}}`, "https://h/verbose"},
		{"last page", `{"value":[{"Id":1}]}`, ""},
	}
	for _, tt := range tests {
		var items []struct {
			ID odataInt `json:"Id"`
		}
		next, err := decodeCollection([]byte(tt.body), &items)
		if err != nil || next != tt.next || len(items) != 1 || items[0].ID != 1 {
			t.Errorf("%s: next %q, items %v, err %v", tt.name, next, items, err)
		}
	}
	var items []struct{}
	if _, err := decodeCollection([]byte(`{"Id":1}`), &items); err == nil {
		t.Error("an entity passed as a collection")
	}
}

func TestDecodeEntityEitherFlavour(t *testing.T) {
	for _, body := range []string{
		`{"CurrentChangeToken":{"StringValue":"1;3;a;1;2"}}`,
		`{"d":{"__metadata":{"type":"SP.List"},"CurrentChangeToken":{"__metadata":{"type":"SP.ChangeToken"},"StringValue":"1;3;a;1;2"}}}`,
	} {
		var doc struct{ CurrentChangeToken struct{ StringValue string } }
		if err := decodeEntity([]byte(body), &doc); err != nil || doc.CurrentChangeToken.StringValue != "1;3;a;1;2" {
			t.Errorf("%s: %+v %v", body, doc, err)
		}
	}
}

func TestLookupIDProperty(t *testing.T) {
	for column, want := range map[string]string{"Project": "ProjectId", "Parent_x0020_Item": "Parent_x0020_ItemId", "_Parent": "OData__ParentId"} {
		if got := lookupIDProperty(column); got != want {
			t.Errorf("lookupIDProperty(%q) = %q, want %q", column, got, want)
		}
	}
}

func TestODataIntIsStrict(t *testing.T) {
	for _, bad := range []string{`"nine"`, `4.5`, `{}`, `true`} {
		var n odataInt
		if err := n.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%s read as %d", bad, n)
		}
	}
}
