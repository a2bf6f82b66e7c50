package sptest

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Item query limits, as SharePoint Online documents them.
const (
	defaultTop        = 100
	maxTop            = 5000
	listViewThreshold = 5000
)

// eqFilter is the one $filter form served: <Field> eq <number>.
var eqFilter = regexp.MustCompile(`^\s*(\w+)\s+eq\s+(\d+)\s*$`)

// serveItems answers GET <list>/items with $select, $filter=<Lookup>Id eq N
// or Id eq N, $top and $skiptoken paging with a next link.
func (s *Server) serveItems(w http.ResponseWriter, r *http.Request, f format, l *list) {
	query := r.URL.Query()
	match, status, code, message := s.itemFilter(l, query.Get("$filter"))
	if status != 0 {
		writeError(w, f, status, code, message)
		return
	}
	top := defaultTop
	if v := query.Get("$top"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "Invalid $top.")
			return
		}
		top = min(n, maxTop)
	}
	after := skipTokenID(query.Get("$skiptoken"))
	selected := selectSet(query.Get("$select"))
	var page []entity
	next := ""
	for _, item := range sortedItems(l) {
		if item.ID <= after || !match(item) {
			continue
		}
		if len(page) == top {
			next = s.nextLink(r, query, page)
			break
		}
		page = append(page, s.itemEntity(l, item, selected))
	}
	writeCollection(w, f, page, next)
}

// itemFilter compiles $filter. Filtering on a column other than Id of a
// list above the view threshold needs an indexed column.
func (s *Server) itemFilter(l *list, filter string) (func(Item) bool, int, string, string) {
	if strings.TrimSpace(filter) == "" {
		return func(Item) bool { return true }, 0, "", ""
	}
	m := eqFilter.FindStringSubmatch(filter)
	if m == nil {
		return nil, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The expression \"" + filter + "\" is not valid."
	}
	value, _ := strconv.Atoi(m[2])
	if strings.EqualFold(m[1], "Id") {
		return func(item Item) bool { return item.ID == value }, 0, "", ""
	}
	field, ok := l.fields[strings.ToLower(internalNameOf(strings.TrimSuffix(m[1], "Id")))]
	if !ok || !strings.HasSuffix(m[1], "Id") || field.Type != "Lookup" || !strings.EqualFold(entityPropertyName(field.InternalName)+"Id", m[1]) {
		return nil, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
			fmt.Sprintf("The field or property '%s' does not exist.", m[1])
	}
	if len(l.items) > listViewThreshold && !field.Indexed {
		return nil, http.StatusInternalServerError, "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
			"The attempted operation is prohibited because it exceeds the list view threshold."
	}
	name := field.InternalName
	return func(item Item) bool { return item.Lookups[name] == value }, 0, "", ""
}

// skipTokenID reads $skiptoken=Paged=TRUE&p_ID=<last id>.
func skipTokenID(token string) int {
	values, err := url.ParseQuery(token)
	if err != nil {
		return 0
	}
	id, _ := strconv.Atoi(values.Get("p_ID"))
	return id
}

func (s *Server) nextLink(r *http.Request, query url.Values, page []entity) string {
	last := page[len(page)-1].fields["Id"]
	next := url.Values{}
	for k, v := range query {
		next[k] = v
	}
	next.Set("$skiptoken", fmt.Sprintf("Paged=TRUE&p_ID=%v", last))
	return s.origin + r.URL.EscapedPath() + "?" + strings.ReplaceAll(next.Encode(), "+", "%20")
}

func (s *Server) itemEntity(l *list, item Item, selected map[string]bool) entity {
	fields := map[string]any{"Id": item.ID, "ID": item.ID, "Title": item.Title, "GUID": item.UniqueID}
	for _, field := range l.fields {
		if field.Type == "Lookup" {
			var v any
			if id, ok := item.Lookups[field.InternalName]; ok {
				v = id
			}
			fields[entityPropertyName(field.InternalName)+"Id"] = v
		}
	}
	uri := fmt.Sprintf("%s/_api/Web/Lists(guid'%s')/Items(%d)", s.siteURL, l.id, item.ID)
	meta := map[string]any{"id": uri, "uri": uri, "etag": `"1"`, "type": "SP.Data." + entityName(l.title) + "ListItem"}
	if len(selected) > 0 {
		selected["id"] = true
	}
	return entity{metadata: meta, fields: pick(fields, selected)}
}

// serveItem answers items(N): GET, DELETE (or POST with X-HTTP-Method:
// DELETE), and POST items(N)/recycle.
func (s *Server) serveItem(w http.ResponseWriter, r *http.Request, f format, l *list, id int, rest []segment) {
	method := r.Method
	if override := r.Header.Get("X-HTTP-Method"); method == http.MethodPost && override != "" {
		method = strings.ToUpper(override)
	}
	item, ok := l.items[id]
	if !ok {
		writeError(w, f, http.StatusNotFound, "-2130575338, Microsoft.SharePoint.SPException",
			"Item does not exist. It may have been deleted by another user.")
		return
	}
	switch {
	case len(rest) == 0 && method == http.MethodGet:
		writeEntity(w, f, s.itemEntity(l, *item, selectSet(r.URL.Query().Get("$select"))))
	case len(rest) == 0 && method == http.MethodDelete:
		if m := r.Header.Get("If-Match"); m != "" && m != "*" && m != `"1"` {
			writeError(w, f, http.StatusPreconditionFailed, "-1, Microsoft.SharePoint.Client.ClientServiceException",
				"The request ETag value does not match the object's ETag value.")
			return
		}
		s.remove(l, id, false)
		w.WriteHeader(http.StatusOK)
	case len(rest) == 1 && rest[0].name == "recycle" && method == http.MethodPost:
		binID, _ := s.remove(l, id, true)
		if f == verbose {
			writeJSON(w, f, http.StatusOK, map[string]any{"d": map[string]any{"Recycle": binID}})
			return
		}
		writeJSON(w, f, http.StatusOK, map[string]any{"value": binID})
	default:
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The resource is not available in this stand-in.")
	}
}
