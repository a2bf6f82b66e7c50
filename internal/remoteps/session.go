package remoteps

import (
	"context"
	"fmt"

	"github.com/masterzen/winrm"
)

// session is the masterzen client of one run with its transport.
type session struct {
	winrm *winrm.Client
	tr    *transport
}

func (c *Client) newSession(ctx context.Context) (*session, error) {
	tr := newTransport(ctx, c.cfg)
	params := c.params
	params.TransportDecorator = func() winrm.Transporter { return tr }
	endpoint := c.endpoint
	wc, err := winrm.NewClientWithParameters(&endpoint, c.cfg.User, c.cfg.Password, &params)
	if err != nil {
		return nil, fmt.Errorf("remoteps: %s: %w", c.cfg.Host, err)
	}
	return &session{winrm: wc, tr: tr}, nil
}

func (s *session) close() { s.tr.close() }
