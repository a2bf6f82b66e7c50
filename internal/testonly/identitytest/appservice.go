package identitytest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
)

// appServiceAPIVersion is the App Service identity protocol version azidentity sends.
const appServiceAPIVersion = "2019-08-01"

// serveManagedIdentity answers the App Service managed identity protocol:
// GET ?api-version=2019-08-01&resource=<resource>[&client_id=<id>] with the
// X-IDENTITY-HEADER secret, answered with a token whose expires_on is Unix
// seconds as a string.
func (s *Server) serveManagedIdentity(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	switch {
	case r.Header.Get("X-IDENTITY-HEADER") != s.IdentityHeader:
		writeIdentityError(w, http.StatusUnauthorized, "missing or wrong X-IDENTITY-HEADER")
		return
	case q.Get("api-version") != appServiceAPIVersion:
		writeIdentityError(w, http.StatusBadRequest, "unsupported api-version")
		return
	case q.Get("resource") == "":
		writeIdentityError(w, http.StatusBadRequest, "resource is required")
		return
	}
	clientID := s.opts.SystemAssignedID
	if id := q.Get("client_id"); id != "" {
		if !slices.Contains(s.opts.UserAssignedIDs, id) {
			writeIdentityError(w, http.StatusBadRequest, "no user-assigned identity with that client id is assigned")
			return
		}
		clientID = id
	}
	token, expires := s.issue(q.Get("resource"), clientID)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{
		"access_token": token, "expires_on": strconv.FormatInt(expires.Unix(), 10),
		"resource": q.Get("resource"), "token_type": "Bearer", "client_id": clientID,
	})
}

func writeIdentityError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"statusCode": status, "message": message})
}
