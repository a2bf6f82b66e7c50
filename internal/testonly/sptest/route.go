package sptest

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// segment is one step of a REST path: a name and an optional argument in
// parentheses, e.g. getbytitle('Orders') or items(42).
type segment struct {
	name   string // lower-cased
	arg    string // the raw argument text, percent-decoded
	hasArg bool
}

// parseSegments splits the escaped path after /_api/ on slashes that are
// outside parentheses and quotes, then decodes each step.
func parseSegments(escaped string) ([]segment, error) {
	var raw []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(escaped); i++ {
		switch c := escaped[i]; {
		case c == '\'':
			quoted = !quoted
		case c == '(' && !quoted:
			depth++
		case c == ')' && !quoted:
			depth--
		case c == '/' && !quoted && depth == 0:
			raw = append(raw, escaped[start:i])
			start = i + 1
		}
	}
	raw = append(raw, escaped[start:])
	segs := make([]segment, 0, len(raw))
	for _, r := range raw {
		if r == "" {
			continue
		}
		seg, err := parseSegment(r)
		if err != nil {
			return nil, err
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

func parseSegment(raw string) (segment, error) {
	open := strings.IndexByte(raw, '(')
	if open < 0 {
		name, err := url.PathUnescape(raw)
		return segment{name: strings.ToLower(name)}, err
	}
	if !strings.HasSuffix(raw, ")") {
		return segment{}, fmt.Errorf("unbalanced parentheses in %q", raw)
	}
	name, err := url.PathUnescape(raw[:open])
	if err != nil {
		return segment{}, err
	}
	arg, err := url.PathUnescape(raw[open+1 : len(raw)-1])
	return segment{name: strings.ToLower(name), arg: arg, hasArg: true}, err
}

// stringArg reads an OData string literal ('O”Brien') or a guid literal
// (guid'…'); ok is false for anything else.
func stringArg(arg string) (string, bool) {
	arg = strings.TrimSpace(arg)
	if strings.HasPrefix(strings.ToLower(arg), "guid'") {
		arg = arg[4:]
	}
	if len(arg) < 2 || arg[0] != '\'' || arg[len(arg)-1] != '\'' {
		return "", false
	}
	inner := arg[1 : len(arg)-1]
	if strings.Count(strings.ReplaceAll(inner, "''", ""), "'") > 0 {
		return "", false
	}
	return strings.ReplaceAll(inner, "''", "'"), true
}

// route serves one request whose path is already known to be under the
// site's /_api/. It is the code path of top-level requests and of
// operations inside a $batch.
func (s *Server) route(w http.ResponseWriter, r *http.Request, apiPath string) {
	f := formatOf(r)
	segs, err := parseSegments(apiPath)
	if err != nil || len(segs) == 0 {
		writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The expression is not valid.")
		return
	}
	switch {
	case segs[0].name == "contextinfo" && r.Method == http.MethodPost:
		s.serveContextInfo(w, f)
	case segs[0].name == "$batch" && r.Method == http.MethodPost:
		s.serveBatch(w, r)
	case segs[0].name == "web" && len(segs) >= 2 && segs[1].name == "lists":
		s.routeList(w, r, f, segs[1:])
	case (segs[0].name == "web" || segs[0].name == "site") && len(segs) >= 2 && segs[1].name == "recyclebin":
		s.serveRecycleBin(w, r, f, segs[1:])
	default:
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException",
			"The resource is not available in this stand-in.")
	}
}

// routeList resolves lists(guid'…') or lists/getbytitle('…') and serves what follows.
func (s *Server) routeList(w http.ResponseWriter, r *http.Request, f format, segs []segment) {
	var ref string
	var byTitle bool
	rest := segs[1:]
	switch {
	case segs[0].hasArg:
		ref, _ = stringArg(segs[0].arg)
	case len(segs) >= 2 && segs[1].name == "getbytitle" && segs[1].hasArg:
		ref, byTitle = "", true
		title, ok := stringArg(segs[1].arg)
		if !ok {
			writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The expression is not valid.")
			return
		}
		ref, rest = title, segs[2:]
	default:
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The resource is not available in this stand-in.")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.site.listByID(ref)
	if byTitle {
		l = s.site.listByTitle(ref)
	}
	if l != nil && len(rest) >= 1 && rest[0].name == "subscriptions" {
		s.mu.Unlock() // creating one calls the notification URL
		defer s.mu.Lock()
		s.serveSubscriptions(w, r, f, l, rest)
		return
	}
	if l == nil {
		writeError(w, f, http.StatusNotFound, "-1, System.ArgumentException",
			fmt.Sprintf("List '%s' does not exist at site with URL '%s'.", ref, s.siteURL))
		return
	}
	s.serveListPart(w, r, f, l, rest)
}

func (s *Server) serveListPart(w http.ResponseWriter, r *http.Request, f format, l *list, rest []segment) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		s.serveList(w, r, f, l)
	case len(rest) == 1 && rest[0].name == "getchanges" && r.Method == http.MethodPost:
		s.serveGetChanges(w, r, f, l)
	case len(rest) == 1 && rest[0].name == "items" && !rest[0].hasArg && r.Method == http.MethodGet:
		s.serveItems(w, r, f, l)
	case len(rest) >= 1 && rest[0].name == "items" && rest[0].hasArg:
		id, err := strconv.Atoi(strings.TrimSpace(rest[0].arg))
		if err != nil {
			writeError(w, f, http.StatusBadRequest, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The expression is not valid.")
			return
		}
		s.serveItem(w, r, f, l, id, rest[1:])
	case len(rest) == 2 && rest[0].name == "fields" && rest[1].name == "getbyinternalnameortitle" && r.Method == http.MethodGet:
		name, _ := stringArg(rest[1].arg)
		s.serveField(w, f, l, name)
	default:
		writeError(w, f, http.StatusNotFound, "-1, Microsoft.SharePoint.Client.InvalidClientQueryException", "The resource is not available in this stand-in.")
	}
}
