package ftptest

import (
	"net"
	"sync"
)

// Silent is a TCP listener on 127.0.0.1 that accepts connections and never
// sends a byte, like a server that hangs after accepting.
type Silent struct {
	Addr string
	ln   net.Listener
	mu   sync.Mutex
	held []net.Conn
}

// StartSilent starts a Silent listener.
func StartSilent() (*Silent, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Silent{Addr: ln.Addr().String(), ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.held = append(s.held, c)
			s.mu.Unlock()
		}
	}()
	return s, nil
}

// Close stops listening and drops every held connection.
func (s *Silent) Close() error {
	err := s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.held {
		c.Close()
	}
	return err
}
