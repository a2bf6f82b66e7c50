// Package functions lists every function tenantops serves.
package functions

import (
	"github.com/tenantops/tenantops/functions/entradelta"
	"github.com/tenantops/tenantops/functions/ftpretrieve"
	"github.com/tenantops/tenantops/functions/mimconfigbackup"
	"github.com/tenantops/tenantops/functions/spchangepoll"
	"github.com/tenantops/tenantops/functions/spcleanup"
	"github.com/tenantops/tenantops/functions/spwebhook"
	"github.com/tenantops/tenantops/functions/spwebhookpoll"
	"github.com/tenantops/tenantops/internal/function"
)

// All returns the declarations of every function, in a stable order.
func All() []function.Declaration {
	return []function.Declaration{
		mimconfigbackup.Declaration,
		ftpretrieve.Declaration,
		spchangepoll.Declaration,
		spcleanup.Declaration,
		spwebhook.Declaration,
		spwebhookpoll.Declaration,
		entradelta.Declaration,
	}
}

// Lookup returns the declaration with that name.
func Lookup(name string) (function.Declaration, bool) {
	for _, d := range All() {
		if d.Name == name {
			return d, true
		}
	}
	return function.Declaration{}, false
}
