package clients_test

import (
	"testing"

	"github.com/tenantops/tenantops/internal/clients"
	"github.com/tenantops/tenantops/internal/settings"
	"github.com/tenantops/tenantops/internal/storage"
)

// BenchmarkStorage is what an invocation pays to get its account: reading
// and checking the settings and finding the process's account, against
// opening a new account (and, identity-based, a new credential whose first
// token would be fetched again) each time.
func BenchmarkStorage(b *testing.B) {
	env := settings.MapEnv{"AzureWebJobsStorage__accountName": "opsstore"}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := clients.Storage(env); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("connection string, opened each time", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := storage.New(storage.Config{ConnectionString: "UseDevelopmentStorage=true"}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
