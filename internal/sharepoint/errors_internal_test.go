package sharepoint

import (
	"errors"
	"fmt"
	"testing"
)

// TestStaleTokenClassification checks which SharePoint answers mean "reset
// the token": the codes and messages SharePoint Online gives for a token
// older than the change log or of another object, but not the generic
// SPException code on its own, which SharePoint also uses for unrelated
// failures (a missing form digest, for one).
func TestStaleTokenClassification(t *testing.T) {
	tests := []struct {
		name, body string
		stale      bool
	}{
		{"time before the log (JSON light)",
			`{"odata.error":{"code":"-2130575172, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The changeToken refers to a time before the start of the current change log."}}}`, true},
		{"time before the log (verbose, generic code)",
			`{"error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The changeToken refers to a time before the start of the current change log."}}}`, true},
		{"token of another object",
			`{"odata.error":{"code":"-2130575173, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"Cannot use the changeToken from one object against a different object"}}}`, true},
		{"generic SPException, missing form digest",
			`{"odata.error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The security validation for this page is invalid and might be corrupted."}}}`, false},
		{"list view threshold",
			`{"odata.error":{"code":"-2147024860, Microsoft.SharePoint.SPQueryThrottledException","message":{"lang":"en-US","value":"The attempted operation is prohibited because it exceeds the list view threshold."}}}`, false},
		{"not JSON", `<html>Service Unavailable</html>`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := error(newError("POST", "/_api/web/lists/getbytitle('X')/GetChanges", 500, []byte(tt.body)))
			if got := errors.Is(err, ErrTokenRefused); got != tt.stale {
				t.Fatalf("errors.Is(%v, ErrTokenRefused) = %v, want %v", err, got, tt.stale)
			}
		})
	}
}

// TestPermanentFailures: only a stale token and a query over the list view
// threshold skip the retries; throttling under load is waited out even
// when its body names the same exception.
func TestPermanentFailures(t *testing.T) {
	threshold := `{"odata.error":{"code":"-2147024860, Microsoft.SharePoint.SPQueryThrottledException","message":{"lang":"en-US","value":"The attempted operation is prohibited because it exceeds the list view threshold."}}}`
	throttled := `{"odata.error":{"code":"-2147024860, Microsoft.SharePoint.SPQueryThrottledException","message":{"lang":"en-US","value":"The request has been throttled."}}}`
	stale := `{"odata.error":{"code":"-2130575172, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"The changeToken refers to a time before the start of the current change log."}}}`
	tests := []struct {
		name      string
		status    int
		body      string
		permanent bool
	}{
		{"list view threshold", 500, threshold, true},
		{"stale token", 500, stale, true},
		{"429 naming the throttling exception", 429, throttled, false},
		{"503 naming the threshold", 503, threshold, false},
		{"500 without a SharePoint body", 500, "oops", false},
	}
	for _, tt := range tests {
		err := fmt.Errorf("sharepoint: wrapped: %w", newError("GET", "/_api/x", tt.status, []byte(tt.body)))
		if got := permanent(err); got != tt.permanent {
			t.Errorf("%s: permanent = %v, want %v", tt.name, got, tt.permanent)
		}
	}
	if permanent(errors.New("dial tcp: connection refused")) {
		t.Error("a network error counted as permanent")
	}
}
