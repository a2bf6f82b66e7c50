package ftpretrieve

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// closeSink releases the sink: it ends the upload processes on the MIM
// server, or makes a local folder's renames durable. What was delivered is
// recorded already, so a failure here is only logged.
func closeSink(dst *clients.Delivery, log *slog.Logger) {
	if err := dst.Close(); err != nil {
		log.Warn("ftpretrieve: closing the "+dst.Sink.Kind()+" sink", "err", err.Error())
	}
}

// openState opens the delivered-files record in the app's storage account.
func openState(ctx context.Context, c *config, env settings.Env) (*storage.Account, *state, error) {
	account, err := clients.Storage(env)
	if err != nil {
		return nil, nil, err
	}
	st, err := loadState(ctx, account, c.stateKey(), fmt.Sprintf("%s %s", c.server, c.sourceDir))
	if err != nil {
		return nil, nil, err
	}
	return account, st, nil
}
