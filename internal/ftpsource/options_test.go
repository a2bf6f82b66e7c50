package ftpsource

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestOptionsAddress(t *testing.T) {
	tests := []struct {
		addr string
		mode TLSMode
		want string
	}{
		{"ftp.example.org", TLSExplicit, "ftp.example.org:21"},
		{"ftp.example.org", TLSImplicit, "ftp.example.org:990"},
		{"ftp.example.org:2121", TLSImplicit, "ftp.example.org:2121"},
		{"ftp://ftp.example.org/", TLSNone, "ftp.example.org:21"},
		{"ftps://ftp.example.org", TLSImplicit, "ftp.example.org:990"},
		{" 10.0.0.5 ", "", "10.0.0.5:21"},
		{"[2001:db8::1]", TLSExplicit, "[2001:db8::1]:21"},
		{"2001:db8::1", TLSExplicit, "[2001:db8::1]:21"},
		{"[2001:db8::1]:990", TLSImplicit, "[2001:db8::1]:990"},
	}
	for _, tt := range tests {
		o, err := Options{Addr: tt.addr, TLS: tt.mode}.withDefaults()
		if err != nil || o.Addr != tt.want {
			t.Errorf("%q (%s): got %q %v, want %q", tt.addr, tt.mode, o.Addr, err, tt.want)
		}
	}
}

func TestOptionsAddressWithCredentialsIsRefusedWithoutEchoingThem(t *testing.T) {
	for _, addr := range []string{"ftp://bob:hunter2-pw@ftp.example.org", "bob:hunter2-pw@ftp.example.org:21"} {
		_, err := Options{Addr: addr}.withDefaults()
		if err == nil {
			t.Fatalf("%q accepted", addr)
		}
		if strings.Contains(err.Error(), "hunter2-pw") {
			t.Errorf("error repeats the password: %v", err)
		}
	}
}

func TestOptionsRejectUnknownTLSMode(t *testing.T) {
	if _, err := (Options{Addr: "h", TLS: "sometimes"}).withDefaults(); err == nil {
		t.Error("unknown TLS mode accepted")
	}
}

func TestOptionsNeverPrintThePassword(t *testing.T) {
	o := Options{Addr: "h:21", User: "u", Password: "hunter2-pw"}
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("x", "opts", o)
	for _, s := range []string{fmt.Sprint(o), fmt.Sprintf("%+v", o), fmt.Sprintf("%v", &o), b.String()} {
		if strings.Contains(s, "hunter2-pw") {
			t.Errorf("password printed: %s", s)
		}
	}
}
