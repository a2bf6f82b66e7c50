package entradelta

import (
	"time"

	"github.com/tenantops/tenantops/internal/sink"
)

type sinkListed = sink.Listed

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}
