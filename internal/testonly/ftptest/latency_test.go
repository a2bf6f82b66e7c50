package ftptest

import (
	"bytes"
	"io"
	"net"
	"strconv"
	"testing"
	"time"
)

func TestLatencyForwardsAndDelays(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	lat, err := StartLatency("127.0.0.1", []int{port}, 20*time.Millisecond)
	if err != nil {
		t.Skipf("no second loopback address: %v", err)
	}
	defer lat.Close()
	c, err := net.Dial("tcp", net.JoinHostPort(lat.Host, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	payload := bytes.Repeat([]byte("ping"), 100_000)
	start := time.Now()
	go c.Write(payload)
	got := make([]byte, len(payload))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("echo differs")
	}
	if rtt := time.Since(start); rtt < 40*time.Millisecond {
		t.Fatalf("round trip %v, want at least the 40ms added", rtt)
	}
}
