package graphtest

import (
	"net/http"
	"net/url"
	"strings"
)

// defaultUserProperties are what users/delta tracks and returns without $select.
var defaultUserProperties = []string{"businessPhones", "displayName", "givenName", "jobTitle", "mail",
	"mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"}

// unselectableUserProperties are the user properties kept outside the
// directory (in SharePoint Online): delta cannot track them and answers
// 501 when one is selected.
var unselectableUserProperties = map[string]bool{"aboutme": true, "birthday": true, "hiredate": true,
	"interests": true, "mysite": true, "pastprojects": true, "preferredname": true, "responsibilities": true,
	"schools": true, "skills": true}

// queryError is a 400-class answer to a delta request.
type queryError struct {
	status        int
	code, message string
}

// roundFor reads the request's query: a $skiptoken continues a round, a
// $deltatoken starts a delta round (or, "latest", answers from now on),
// anything else starts a full round. The caller holds s.mu.
func (s *Server) roundFor(resource string, q url.Values) (roundState, bool, *queryError) {
	if token := q.Get("$skiptoken"); token != "" {
		st, err := s.checkToken(resource, token, "skip")
		return st, false, err
	}
	if token := q.Get("$deltatoken"); token != "" && token != "latest" {
		prev, err := s.checkToken(resource, token, "delta")
		if err != nil {
			return roundState{}, false, err
		}
		prev.Kind, prev.To, prev.Cursor = "skip", s.tenant.version, cursor{}
		return prev, false, nil
	}
	st, err := s.firstRequest(resource, q)
	return st, q.Get("$deltatoken") == "latest", err
}

// firstRequest reads $select (and the older $expand=members) of a round's
// first request; the query options delta does not support are refused.
func (s *Server) firstRequest(resource string, q url.Values) (roundState, *queryError) {
	for _, unsupported := range []string{"$top", "$orderby", "$search", "$filter", "$count", "$skip"} {
		if q.Has(unsupported) {
			return roundState{}, &queryError{http.StatusBadRequest, "Request_UnsupportedQuery",
				"Unsupported query option '" + unsupported + "' for delta."}
		}
	}
	st := roundState{Kind: "skip", Resource: resource, Full: true, To: s.tenant.version}
	if expand := q.Get("$expand"); expand != "" {
		if resource != "groups" || !strings.EqualFold(expand, "members") {
			return roundState{}, &queryError{http.StatusBadRequest, "Request_UnsupportedQuery",
				"Only $expand=members is supported on groups/delta."}
		}
		st.Members = true
	}
	selected := strings.TrimSpace(q.Get("$select"))
	if selected == "" {
		st.Default = true
		if resource == "users" {
			st.Select = defaultUserProperties
		} else {
			st.All, st.Members = true, true
		}
		return st, nil
	}
	seen := map[string]bool{}
	for _, name := range strings.Split(selected, ",") {
		name = strings.TrimSpace(name)
		lower := strings.ToLower(name)
		switch {
		case name == "":
			return roundState{}, &queryError{http.StatusBadRequest, "Request_BadRequest", "Syntax error in $select."}
		case lower == "members" && resource == "groups":
			st.Members = true
		case lower == "manager" && resource == "users":
			st.Manager = true
		case lower == "owners" && resource == "groups":
			st.Owners = true
		case resource == "users" && unselectableUserProperties[lower]:
			return roundState{}, &queryError{http.StatusNotImplemented, "NotImplemented",
				"Invalid request for delta query: for this entity set, $expand/$select is not supported for the following properties: " + name}
		case lower == "id" || seen[lower]:
		default:
			seen[lower] = true
			st.Select = append(st.Select, name)
		}
	}
	return st, nil
}

// checkToken opens a token and checks it belongs to this resource and
// is still valid; an expired one answers syncStateNotFound.
func (s *Server) checkToken(resource, token, kind string) (roundState, *queryError) {
	st, err := s.openToken(token)
	if err != nil || st.Kind != kind || st.Resource != resource {
		return roundState{}, &queryError{http.StatusBadRequest, "Request_BadRequest",
			"The " + kind + " token is not valid for this request."}
	}
	age := s.opts.Clock().Sub(unixTime(st.Issued))
	if st.Epoch != s.epoch || age > s.opts.TokenLifetime {
		expired := s.expiredAs
		return roundState{}, &expired
	}
	return st, nil
}
