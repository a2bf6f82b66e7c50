package sptest

import (
	"fmt"
	"net/http"
	"strings"
)

// serveList answers GET <list>[?$select=…]. CurrentChangeToken is returned
// only when selected, as SharePoint does.
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, f format, l *list) {
	selected := selectSet(r.URL.Query().Get("$select"))
	fields := map[string]any{
		"Id": l.id, "Title": l.title, "ItemCount": len(l.items),
		"EntityTypeName":             entityName(l.title) + "List",
		"ListItemEntityTypeFullName": "SP.Data." + entityName(l.title) + "ListItem",
	}
	if selected["currentchangetoken"] {
		fields["CurrentChangeToken"] = changeTokenEntity(s.currentToken(l))
	}
	writeEntity(w, f, entity{metadata: s.listMetadata(l), fields: pick(fields, selected)})
}

// currentToken is the token the list's next change will be logged after.
func (s *Server) currentToken(l *list) string {
	return formatToken(l.id, s.now(), s.site.lastNumber)
}

func changeTokenEntity(token string) entity {
	return entity{metadata: map[string]any{"type": "SP.ChangeToken"}, fields: map[string]any{"StringValue": token}}
}

func (s *Server) listMetadata(l *list) map[string]any {
	uri := fmt.Sprintf("%s/_api/Web/Lists(guid'%s')", s.siteURL, l.id)
	return map[string]any{"id": uri, "uri": uri, "etag": `"1"`, "type": "SP.List"}
}

// serveField answers fields/getbyinternalnameortitle('…').
func (s *Server) serveField(w http.ResponseWriter, f format, l *list, name string) {
	for _, field := range l.fields {
		if strings.EqualFold(field.InternalName, name) || strings.EqualFold(field.Title, name) {
			fields := map[string]any{"InternalName": field.InternalName, "Title": field.Title,
				"TypeAsString": field.Type, "Indexed": field.Indexed, "EntityPropertyName": entityPropertyName(field.InternalName)}
			if target := s.site.listByTitle(field.LookupList); target != nil {
				fields["LookupList"] = "{" + target.id + "}"
			}
			writeEntity(w, f, entity{metadata: map[string]any{"type": "SP.Field" + field.Type}, fields: fields})
			return
		}
	}
	writeError(w, f, http.StatusNotFound, "-2147024809, System.ArgumentException",
		fmt.Sprintf("Column '%s' does not exist. It may have been deleted by another user.", name))
}

// entityPropertyName is a column's REST property name: its internal name,
// prefixed with "OData_" when that starts with an underscore.
func entityPropertyName(internalName string) string {
	if strings.HasPrefix(internalName, "_") {
		return "OData_" + internalName
	}
	return internalName
}

// internalNameOf undoes entityPropertyName.
func internalNameOf(property string) string {
	if rest, ok := strings.CutPrefix(property, "OData_"); ok && strings.HasPrefix(rest, "_") {
		return rest
	}
	return property
}

// selectSet parses $select into lower-cased names; empty means everything.
func selectSet(sel string) map[string]bool {
	out := map[string]bool{}
	for _, name := range strings.Split(sel, ",") {
		if name = strings.TrimSpace(name); name != "" {
			out[strings.ToLower(name)] = true
		}
	}
	return out
}

// pick keeps the selected fields (all when nothing is selected).
func pick(fields map[string]any, selected map[string]bool) map[string]any {
	if len(selected) == 0 {
		return fields
	}
	out := map[string]any{}
	for k, v := range fields {
		if selected[strings.ToLower(k)] {
			out[k] = v
		}
	}
	return out
}

// entityName encodes a title the way SharePoint names entity types (spaces as _x0020_).
func entityName(title string) string {
	return strings.ReplaceAll(title, " ", "_x0020_")
}
