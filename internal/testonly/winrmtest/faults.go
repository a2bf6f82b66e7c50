package winrmtest

import (
	"net/http"
	"strings"
	"time"
)

// Operation names a WS-Management operation, for Fault.
type Operation string

// The operations a Fault can hit.
const (
	OpCreate  Operation = "Create"
	OpCommand Operation = "Command"
	OpSend    Operation = "Send"
	OpReceive Operation = "Receive"
	OpSignal  Operation = "Signal"
	OpDelete  Operation = "Delete"
)

// FaultKind is how a broken peer answers.
type FaultKind int

// Ways a peer breaks off an answer.
const (
	// StallAfterHeaders sends 200 and the SOAP content type, then nothing:
	// the body never comes and the connection stays open.
	StallAfterHeaders FaultKind = iota + 1
	// EndlessBody sends 200 and the SOAP content type, then an envelope
	// that never ends, as fast as the client reads it.
	EndlessBody
	// NoAnswer reads the request and sends nothing at all.
	NoAnswer
)

// Fault makes the server answer every request for Op (after a successful
// authentication) the way Kind says, until the fault is cleared. A faulted
// request changes no shell or process.
type Fault struct {
	Op   Operation
	Kind FaultKind
}

// SetFault arms f; the zero Fault clears it.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// Faulted returns how many requests a fault has answered.
func (s *Server) Faulted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faulted
}

// answerFault answers r the broken way when a fault is armed for its
// operation, and reports whether it did. It returns when the client goes
// away or the server closes.
func (s *Server) answerFault(w http.ResponseWriter, hr *http.Request, r *request) bool {
	s.mu.Lock()
	f := s.fault
	hit := f.Kind != 0 && strings.HasSuffix(r.Header.Action, "/"+string(f.Op))
	if hit {
		s.faulted++
	}
	s.mu.Unlock()
	if !hit {
		return false
	}
	if f.Kind != NoAnswer {
		w.Header().Set("Content-Type", "application/soap+xml;charset=UTF-8")
		w.WriteHeader(http.StatusOK)
		http.NewResponseController(w).Flush()
	}
	if f.Kind == EndlessBody {
		endless(w, hr, s.closed)
		return true
	}
	select {
	case <-hr.Context().Done():
	case <-s.closed:
	}
	return true
}

// endless writes an envelope start, then filler for as long as the client
// reads and the server runs.
func endless(w http.ResponseWriter, hr *http.Request, closed <-chan struct{}) {
	rc := http.NewResponseController(w)
	if _, err := w.Write([]byte(envelopeStart)); err != nil {
		return
	}
	filler := []byte(strings.Repeat("<s:Header></s:Header>", 1024))
	for {
		select {
		case <-hr.Context().Done():
			return
		case <-closed:
			return
		default:
		}
		_ = rc.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := w.Write(filler); err != nil {
			return
		}
	}
}
