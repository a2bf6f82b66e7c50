package ftptest

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Latency forwards TCP ports from one loopback address to another and
// delays every byte by a fixed time in each direction, as a network
// between a client and a distant server would. Throughput is not limited:
// data is delayed, not throttled.
//
// FTP needs the control port and every passive data port forwarded to the
// same address; clients that take the data host from the control
// connection (as EPSV and github.com/jlaffaye/ftp do) then reach the
// server only through the delay.
type Latency struct {
	Host string // the address clients connect to, 127.0.0.2
	mu   sync.Mutex
	lns  []net.Listener
	wg   sync.WaitGroup
}

// latencyHost is a second loopback address, so the forwarded ports can
// match the server's port numbers.
const latencyHost = "127.0.0.2"

// chunkQueue bounds the bytes in flight per direction (chunks of 32 KB).
const chunkQueue = 256

// StartLatency forwards latencyHost:port to targetHost:port for each port,
// adding oneWay in each direction (a round trip of twice that).
func StartLatency(targetHost string, ports []int, oneWay time.Duration) (*Latency, error) {
	l := &Latency{Host: latencyHost}
	for _, p := range ports {
		ln, err := net.Listen("tcp", net.JoinHostPort(latencyHost, strconv.Itoa(p)))
		if err != nil {
			l.Close()
			return nil, fmt.Errorf("ftptest: latency: %w", err)
		}
		l.lns = append(l.lns, ln)
		target := net.JoinHostPort(targetHost, strconv.Itoa(p))
		l.wg.Add(1)
		go l.serve(ln, target, oneWay)
	}
	return l, nil
}

func (l *Latency) serve(ln net.Listener, target string, oneWay time.Duration) {
	defer l.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go forward(c, target, oneWay)
	}
}

// forward joins a client connection to the target through two delay lines.
func forward(client net.Conn, target string, oneWay time.Duration) {
	server, err := net.Dial("tcp", target)
	if err != nil {
		client.Close()
		return
	}
	done := make(chan struct{}, 2)
	go func() { delayLine(server, client, oneWay); done <- struct{}{} }()
	go func() { delayLine(client, server, oneWay); done <- struct{}{} }()
	<-done
	<-done
	client.Close()
	server.Close()
}

type chunk struct {
	data []byte
	due  time.Time
}

// delayLine copies src to dst, each chunk leaving oneWay after it came in.
// When src ends, dst's write side is closed once the queue drains.
func delayLine(dst, src net.Conn, oneWay time.Duration) {
	q := make(chan chunk, chunkQueue)
	go func() {
		defer close(q)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				q <- chunk{data: buf[:n], due: time.Now().Add(oneWay)}
			}
			if err != nil {
				return
			}
		}
	}()
	for c := range q {
		time.Sleep(time.Until(c.due))
		if _, err := dst.Write(c.data); err != nil {
			src.Close()
			for range q {
			}
			return
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		_ = tc.CloseWrite()
	} else {
		_, _ = io.Copy(io.Discard, src)
	}
}

// Close stops forwarding new connections.
func (l *Latency) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ln := range l.lns {
		ln.Close()
	}
	l.wg.Wait()
	return nil
}
