package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/tenantops/tenantops/functions"
	"github.com/tenantops/tenantops/internal/function"
	"github.com/tenantops/tenantops/internal/invoke"
	"github.com/tenantops/tenantops/internal/logging"
	"github.com/tenantops/tenantops/internal/settings"
)

// maxBodyBytes caps an invocation body. Timer and queue payloads are a few
// KiB (a queue message is at most 64 KiB before encoding).
const maxBodyBytes = 4 << 20

// shutdownGrace is how long SIGTERM waits for running invocations to
// finish on their own; windDown is how long it then waits for them after
// cancelling them, so that a cancelled run can save what it finished
// (FtpRetrieve's record, EntraDeltaExport's progress) and say what it did not.
// A cancelled run has stop waits of its own: up to runStopWait for the work
// in flight to end (FtpRetrieve's transfers; a WinRM upload process gets
// 15 s), then up to runSaveWait to save its state, then recordTimeout for its
// run record. windDown covers all three, so the process never exits while a
// stopped run is still inside one of its waits.
const (
	shutdownGrace = 20 * time.Second
	runStopWait   = 20 * time.Second
	runSaveWait   = 30 * time.Second
	windDown      = runStopWait + runSaveWait + recordTimeout + 5*time.Second
)

func serve(args []string) error {
	port, err := handlerPort(settings.OSEnv{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", port))
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	r := newRunner(settings.OSEnv{}, os.Stdout, os.Stderr)
	baseCtx, cancelInvocations := context.WithCancel(context.Background())
	defer cancelInvocations()
	srv := &http.Server{
		Handler:           newMux(r, functions.Lookup),
		ReadHeaderTimeout: 10 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return baseCtx },
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-stop:
	}
	return shutdown(srv, cancelInvocations, shutdownGrace, windDown)
}

// shutdown stops taking requests, waits grace for running invocations,
// then cancels them and waits windDown for them to wind down.
func shutdown(srv *http.Server, cancelInvocations context.CancelFunc, grace, windDown time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if srv.Shutdown(ctx) == nil {
		return nil
	}
	cancelInvocations() // past the grace: tell running invocations to stop and save what they did
	ctx, cancel = context.WithTimeout(context.Background(), windDown)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		_ = srv.Close()
		return fmt.Errorf("serve: invocations still running %s after they were cancelled: %w", windDown, err)
	}
	return nil
}

// handlerPort returns the port the host chose.
func handlerPort(env settings.Env) (string, error) {
	for _, name := range []string{"FUNCTIONS_CUSTOMHANDLER_PORT", "FUNCTIONS_HTTPWORKER_PORT"} {
		if v, ok := env.Lookup(name); ok && strings.TrimSpace(v) != "" {
			return strings.TrimSpace(v), nil
		}
	}
	return "", errors.New("serve: FUNCTIONS_CUSTOMHANDLER_PORT is not set (the Functions host sets it; for a local run use `make demo` or `handler run NAME`)")
}

// lookupFunc finds a function's declaration by name.
type lookupFunc func(name string) (function.Declaration, bool)

func newMux(r *runner, lookup lookupFunc) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.HandleFunc("POST /{function}", func(w http.ResponseWriter, req *http.Request) {
		handleInvocation(w, req, r, lookup)
	})
	// Everything else still answers JSON, not the mux's text/plain.
	mux.HandleFunc("/", func(w http.ResponseWriter, req *http.Request) {
		if req.Method == http.MethodPost {
			writeError(w, http.StatusNotFound, fmt.Sprintf("no function at %q: the host posts to /<FunctionName>", req.URL.Path))
			return
		}
		w.Header().Set("Allow", "GET, HEAD, POST")
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed: GET / is the readiness probe, POST /<FunctionName> an invocation", req.Method))
	})
	return mux
}

func handleInvocation(w http.ResponseWriter, req *http.Request, r *runner, lookup lookupFunc) {
	name := req.PathValue("function")
	decl, ok := lookup(name)
	if !ok {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no function named %q", name))
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("invocation body over %d bytes", maxBodyBytes))
			return
		}
		writeError(w, http.StatusBadRequest, "reading invocation body: "+err.Error())
		return
	}
	envelope, err := invoke.Decode(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := r.invoke(req.Context(), decl, req.Header.Get("X-Azure-Functions-InvocationId"), envelope)
	if err != nil {
		writeRedactedJSON(w, http.StatusInternalServerError, failure{Response: res.Response, Error: err.Error()}, r.redactor)
		return
	}
	writeRedactedJSON(w, http.StatusOK, res.Response, r.redactor)
}

// writeRedactedJSON is writeJSON for answers that carry function output:
// a secret value in an output binding never leaves the process either.
func writeRedactedJSON(w http.ResponseWriter, status int, v any, red *logging.Redactor) {
	b, err := json.Marshal(v)
	if err != nil {
		writeJSON(w, status, v) // reports the encoding failure
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(red.String(string(b))))
}

// failure is the body of a failed invocation: the usual keys, plus the error.
type failure struct {
	invoke.Response
	Error string `json:"Error"`
}

// MarshalJSON keeps Response's always-complete shape and adds Error.
func (f failure) MarshalJSON() ([]byte, error) {
	base, err := json.Marshal(f.Response)
	if err != nil {
		return nil, err
	}
	errText, err := json.Marshal(f.Error)
	if err != nil {
		return nil, err
	}
	return append(append(base[:len(base)-1], []byte(`,"Error":`)...), append(errText, '}')...), nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, failure{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"Outputs":{},"Logs":[],"ReturnValue":null,"Error":"encoding the response failed"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
