// Package clients turns tenantops' app settings into the configurations of
// the clients the functions use (storage, remote PowerShell over WinRM,
// SharePoint, Microsoft Graph) and keeps one client per configuration for
// the life of the process, so that later invocations reuse its credential,
// tokens and connections. It is the one package that knows both the app
// settings and the clients: the clients stand alone, and adding an auth
// mode or a setting of a client touches this package only.
//
// A cache is keyed by the whole configuration value (a comparable struct)
// together with the process facts that also decide the client, never by a
// hand-picked subset of fields, so a changed setting can never be served a
// client made for the old one.
package clients

import (
	"os"
	"sync"
)

// cache keeps one client per configuration for the life of the process.
type cache[C comparable, V any] struct {
	mu   sync.Mutex
	made map[cacheKey[C]]V
}

// cacheKey is a configuration together with the process facts that decide
// which credential azidentity builds from it.
type cacheKey[C comparable] struct {
	config  C
	process processFacts
}

// processFacts are the environment variables, outside the app settings,
// that azidentity reads when it builds a managed identity credential.
type processFacts struct {
	identityEndpoint, identityHeader, msiEndpoint string
}

func currentProcessFacts() processFacts {
	return processFacts{os.Getenv("IDENTITY_ENDPOINT"), os.Getenv("IDENTITY_HEADER"), os.Getenv("MSI_ENDPOINT")}
}

// get returns the client made for config, making it with open the first
// time. A failed open is not kept: the next call tries again.
func (c *cache[C, V]) get(config C, open func(C) (V, error)) (V, error) {
	key := cacheKey[C]{config: config, process: currentProcessFacts()}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v, ok := c.made[key]; ok {
		return v, nil
	}
	v, err := open(config)
	if err != nil {
		return v, err
	}
	if c.made == nil {
		c.made = map[cacheKey[C]]V{}
	}
	c.made[key] = v
	return v, nil
}
