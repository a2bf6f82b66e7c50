package spwebhook

import (
	"fmt"
	"unicode/utf8"

	"github.com/tenantops/tenantops/internal/settings"
)

// Client state length: 32 characters at least, so it cannot be guessed;
// 255 at most, Microsoft Graph's documented limit (SharePoint documents
// only that there is one).
const (
	minClientState = 32
	maxClientState = 255
)

// ClientStateSetting is SPWebhookClientState with its length rule. The
// error never quotes the value.
var ClientStateSetting = settings.SPWebhookClientState.WithCheck(checkClientState)

func checkClientState(value string) error {
	if n := utf8.RuneCountInString(value); n < minClientState || n > maxClientState {
		return fmt.Errorf("want %d to %d characters, got %d", minClientState, maxClientState, n)
	}
	return nil
}
