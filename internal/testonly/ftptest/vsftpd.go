package ftptest

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// VsftpdOptions configure a vsftpd child process.
type VsftpdOptions struct {
	// Root is the folder anonymous users see as their login directory.
	// vsftpd without privileges cannot chroot: absolute paths on the
	// connection are host paths, so clients should use relative ones.
	Root string
	// TLS: Plain, Explicit (AUTH TLS required) or Implicit. TLS runs with
	// require_ssl_reuse, so data connections must resume the control
	// connection's session.
	Mode Mode
	// MaxPerIP limits connections from one address; more get 421.
	MaxPerIP int
	// Cert is used for TLS; a fresh one is made when nil.
	Cert *Cert
}

// Vsftpd is a running vsftpd.
type Vsftpd struct {
	Addr string // 127.0.0.1:port
	// Ports are the control port followed by every passive data port.
	Ports []int
	Cert  *Cert
	Log   string // vsftpd's own log file
	cmd   *exec.Cmd
	dir   string
}

// ErrNoVsftpd is returned when no vsftpd binary is installed.
var ErrNoVsftpd = errors.New("ftptest: vsftpd is not installed (Debian: apt-get install vsftpd)")

// VsftpdPath returns the vsftpd binary: on PATH, else /usr/sbin/vsftpd.
func VsftpdPath() (string, error) {
	if p, err := exec.LookPath("vsftpd"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/vsftpd", "/usr/local/sbin/vsftpd"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoVsftpd
}

// StartVsftpd writes a configuration into workDir and starts vsftpd on a
// free loopback port, anonymous and read-only.
func StartVsftpd(workDir string, opts VsftpdOptions) (*Vsftpd, error) {
	bin, err := VsftpdPath()
	if err != nil {
		return nil, err
	}
	if opts.Root == "" {
		return nil, errors.New("ftptest: VsftpdOptions.Root is required")
	}
	v := &Vsftpd{Cert: opts.Cert, dir: workDir, Log: filepath.Join(workDir, "vsftpd.log")}
	if opts.Mode != "" && opts.Mode != Plain && v.Cert == nil {
		if v.Cert, err = NewCert(); err != nil {
			return nil, err
		}
	}
	for attempt := 0; attempt < 5; attempt++ {
		if err = v.start(bin, opts); err == nil {
			return v, nil
		}
	}
	return nil, err
}

func (v *Vsftpd) start(bin string, opts VsftpdOptions) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	pasv, err := freePort()
	if err != nil {
		return err
	}
	conf, err := v.writeConfig(opts, port, pasv)
	if err != nil {
		return err
	}
	v.Addr = fmt.Sprintf("127.0.0.1:%d", port)
	v.Ports = []int{port}
	for p := pasv; p <= pasv+pasvPorts; p++ {
		v.Ports = append(v.Ports, p)
	}
	v.cmd = exec.Command(bin, conf)
	v.cmd.Dir = v.dir
	ownProcessGroup(v.cmd)
	out, _ := os.Create(filepath.Join(v.dir, "vsftpd.out"))
	v.cmd.Stdout, v.cmd.Stderr = out, out
	if err := v.cmd.Start(); err != nil {
		return fmt.Errorf("ftptest: start vsftpd: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- v.cmd.Wait(); out.Close() }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			msg, _ := os.ReadFile(filepath.Join(v.dir, "vsftpd.out"))
			return fmt.Errorf("ftptest: vsftpd exited (%v): %s", err, strings.TrimSpace(string(msg)))
		default:
		}
		if greets(v.Addr, opts.Mode) {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	v.Close()
	return errors.New("ftptest: vsftpd did not answer within 5s")
}

// greets reports whether something listens on addr (and, for a plain or
// explicit server, sends a 220 greeting).
func greets(addr string, mode Mode) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	if mode == Implicit {
		return true
	}
	_ = c.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "220")
}

func (v *Vsftpd) writeConfig(opts VsftpdOptions, port, pasv int) (string, error) {
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return "", err
	}
	lines := []string{
		"listen=YES", "listen_ipv6=NO", "listen_address=127.0.0.1", fmt.Sprintf("listen_port=%d", port),
		"background=NO", "run_as_launching_user=YES", "seccomp_sandbox=NO",
		"anonymous_enable=YES", "no_anon_password=YES", "anon_root=" + root,
		"local_enable=NO", "write_enable=NO", "ftp_username=nobody", "nopriv_user=nobody",
		"connect_from_port_20=NO", "pasv_enable=YES", "pasv_address=127.0.0.1",
		// A small range: one passive port would serialise parallel transfers.
		fmt.Sprintf("pasv_min_port=%d", pasv), fmt.Sprintf("pasv_max_port=%d", pasv+pasvPorts),
		"pasv_promiscuous=NO", "xferlog_enable=NO", "dirmessage_enable=NO",
		"vsftpd_log_file=" + v.Log, "max_clients=0", "idle_session_timeout=600", "data_connection_timeout=600",
	}
	if opts.MaxPerIP > 0 {
		lines = append(lines, fmt.Sprintf("max_per_ip=%d", opts.MaxPerIP))
	}
	if opts.Mode == Explicit || opts.Mode == Implicit {
		cert := filepath.Join(v.dir, "vsftpd-cert.pem")
		key := filepath.Join(v.dir, "vsftpd-key.pem")
		if err := os.WriteFile(cert, v.Cert.CertPEM, 0o600); err != nil {
			return "", err
		}
		if err := os.WriteFile(key, v.Cert.KeyPEM, 0o600); err != nil {
			return "", err
		}
		lines = append(lines, "ssl_enable=YES", "allow_anon_ssl=YES", "force_anon_logins_ssl=YES",
			"force_anon_data_ssl=YES", "require_ssl_reuse=YES", "ssl_ciphers=HIGH",
			"rsa_cert_file="+cert, "rsa_private_key_file="+key)
		if opts.Mode == Implicit {
			lines = append(lines, "implicit_ssl=YES")
		}
	}
	conf := filepath.Join(v.dir, "vsftpd.conf")
	return conf, os.WriteFile(conf, []byte(strings.Join(lines, "\n")+"\n"), 0o600)
}

// pasvPorts is the size of the passive port range less one.
const pasvPorts = 64

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Close stops vsftpd and the sessions it forked.
func (v *Vsftpd) Close() error {
	if v.cmd == nil || v.cmd.Process == nil {
		return nil
	}
	return killProcessGroup(v.cmd)
}
