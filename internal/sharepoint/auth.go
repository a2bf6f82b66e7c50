package sharepoint

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/koltyakov/gosip"
)

// StrategyName is what TokenAuth.GetStrategy reports to gosip.
const StrategyName = "azidentity"

// refreshMargin is how long before expiry a cached token is replaced.
const refreshMargin = 5 * time.Minute

// TokenAuth is a gosip auth strategy that puts a bearer token from an
// azcore.TokenCredential on every request. Its token state sits behind a
// pointer (see gosip.go).
type TokenAuth struct {
	SiteURL    string
	Scope      string
	Credential azcore.TokenCredential
	state      *tokenState
}

type tokenState struct {
	mu    sync.Mutex
	token azcore.AccessToken
}

var _ gosip.AuthCnfg = (*TokenAuth)(nil)

// NewTokenAuth returns a strategy for siteURL whose scope is the site's origin + /.default.
func NewTokenAuth(siteURL string, cred azcore.TokenCredential) *TokenAuth {
	return &TokenAuth{SiteURL: siteURL, Scope: Scope(siteURL), Credential: cred, state: &tokenState{}}
}

// GetAuth returns a valid access token and its expiry (Unix seconds).
func (a *TokenAuth) GetAuth() (string, int64, error) {
	return a.token(context.Background())
}

func (a *TokenAuth) token(ctx context.Context) (string, int64, error) {
	if a.state == nil {
		a.state = &tokenState{}
	}
	a.state.mu.Lock()
	defer a.state.mu.Unlock()
	if a.state.token.Token != "" && time.Until(a.state.token.ExpiresOn) > refreshMargin {
		return a.state.token.Token, a.state.token.ExpiresOn.Unix(), nil
	}
	if a.Credential == nil {
		return "", 0, fmt.Errorf("sharepoint: auth: no credential")
	}
	tok, err := a.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{a.Scope}})
	if err != nil {
		return "", 0, fmt.Errorf("sharepoint: auth: token for %s: %w", a.Scope, err)
	}
	a.state.token = tok
	return tok.Token, tok.ExpiresOn.Unix(), nil
}

// SetAuth puts the bearer token on req.
func (a *TokenAuth) SetAuth(req *http.Request, _ *gosip.SPClient) error {
	tok, _, err := a.token(req.Context())
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	return nil
}

// ParseConfig reads {"siteUrl": "..."}; the credential always comes from code.
func (a *TokenAuth) ParseConfig(jsonConf []byte) error {
	var conf struct {
		SiteURL string `json:"siteUrl"`
	}
	if err := json.Unmarshal(jsonConf, &conf); err != nil {
		return fmt.Errorf("sharepoint: auth config: %w", err)
	}
	a.SiteURL = conf.SiteURL
	a.Scope = Scope(conf.SiteURL)
	return nil
}

// ReadConfig reads a ParseConfig document from a file.
func (a *TokenAuth) ReadConfig(configPath string) error {
	data, err := os.ReadFile(configPath)
	if err != nil {
		return fmt.Errorf("sharepoint: auth config: %w", err)
	}
	return a.ParseConfig(data)
}

// GetSiteURL returns the site URL.
func (a *TokenAuth) GetSiteURL() string { return a.SiteURL }

// GetStrategy returns StrategyName.
func (a *TokenAuth) GetStrategy() string { return StrategyName }
