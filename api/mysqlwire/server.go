package mysqlwire

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"vitess.io/vitess/go/mysql"
	"vitess.io/vitess/go/mysql/sqlerror"
	vtlog "vitess.io/vitess/go/vt/log"
	querypb "vitess.io/vitess/go/vt/proto/query"
	"vitess.io/vitess/go/vt/vtenv"
)

// Options configure a listener.
type Options struct {
	// Password returns the password of a user; false for an unknown user.
	// Nil: the listener is open and accepts any user and password.
	Password func(user string) (string, bool)
	// MaxPacket is the largest message a client may send (default 16 MiB); a
	// client sending more is disconnected, the others keep being served.
	MaxPacket int
	// IdleTimeout closes a connection that sends nothing for this long,
	// including one that never finishes its handshake (default 8h, MySQL's
	// wait_timeout).
	IdleTimeout time.Duration
	// QueryTimeout bounds one query, including its wait for a slot (default 30s).
	QueryTimeout time.Duration
	// MaxConcurrent bounds the queries running at once across connections
	// (default 16); more wait for a slot.
	MaxConcurrent int
	// Version is the server version advertised (default 8.0.40-strata).
	Version string
	// Logger receives the protocol library's messages (failed handshakes,
	// dropped connections). The library logs process-wide, so the last
	// listener's logger wins; nil keeps the library's own.
	Logger *slog.Logger
}

func (o *Options) defaults() {
	if o.MaxPacket <= 0 {
		o.MaxPacket = 16 << 20
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 8 * time.Hour
	}
	if o.QueryTimeout <= 0 {
		o.QueryTimeout = 30 * time.Second
	}
	if o.MaxConcurrent <= 0 {
		o.MaxConcurrent = 16
	}
	if o.Version == "" {
		o.Version = "8.0.40-strata"
	}
}

// Listener serves the MySQL protocol on one address.
type Listener struct {
	l *mysql.Listener
}

// Listen starts serving b on addr (host:port; use 127.0.0.1 for local use).
func Listen(addr string, b Backend, opts Options) (*Listener, error) {
	opts.defaults()
	if opts.Logger != nil {
		vtlog.SwapLogger(opts.Logger)
	}
	env, err := vtenv.New(vtenv.Options{MySQLServerVersion: opts.Version})
	if err != nil {
		return nil, err
	}
	raw, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	var auth mysql.AuthServer = mysql.NewAuthServerNone()
	if opts.Password != nil {
		auth = newPasswordAuth(opts.Password)
	}
	h := newHandler(b, env, opts)
	l, err := mysql.NewListenerWithConfig(mysql.ListenerConfig{
		Listener:         &limitListener{Listener: raw, max: opts.MaxPacket},
		AuthServer:       auth,
		Handler:          h,
		ConnReadTimeout:  opts.IdleTimeout,
		ConnWriteTimeout: opts.QueryTimeout,
	})
	if err != nil {
		raw.Close()
		return nil, err
	}
	l.ServerVersion = opts.Version
	go l.Accept()
	return &Listener{l: l}, nil
}

// Addr is the address the listener serves.
func (l *Listener) Addr() net.Addr { return l.l.Addr() }

// Close stops accepting connections and closes the listener.
func (l *Listener) Close() error {
	l.l.Close()
	return nil
}

// passwordAuth checks mysql_native_password against the configured passwords.
type passwordAuth struct {
	password func(string) (string, bool)
	methods  []mysql.AuthMethod
}

func newPasswordAuth(password func(string) (string, bool)) *passwordAuth {
	a := &passwordAuth{password: password}
	a.methods = []mysql.AuthMethod{mysql.NewMysqlNativeAuthMethod(a, a)}
	return a
}

func (a *passwordAuth) AuthMethods() []mysql.AuthMethod { return a.methods }

func (a *passwordAuth) DefaultAuthMethodDescription() mysql.AuthMethodDescription {
	return mysql.MysqlNativePassword
}

func (a *passwordAuth) HandleUser(string) bool { return true }

func (a *passwordAuth) UserEntryWithHash(_ *mysql.Conn, salt []byte, user string, authResponse []byte, _ net.Addr) (mysql.Getter, error) {
	pw, ok := a.password(user)
	if ok {
		want := mysql.ScrambleMysqlNativePassword(salt, []byte(pw))
		if pw == "" {
			want = nil
		}
		if subtle.ConstantTimeCompare(want, authResponse) == 1 {
			return userGetter(user), nil
		}
	}
	return nil, sqlerror.NewSQLErrorf(sqlerror.ERAccessDeniedError, sqlerror.SSAccessDeniedError, "Access denied for user '%s' (using password: %s)", user, yesNo(len(authResponse) > 0))
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}

type userGetter string

func (u userGetter) Get() *querypb.VTGateCallerID {
	return &querypb.VTGateCallerID{Username: string(u)}
}

// limitListener wraps accepted connections so that no client message may
// exceed the packet limit.
type limitListener struct {
	net.Listener
	max int
}

func (l *limitListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &limitConn{Conn: c, max: l.max}, nil
}

// errPacketTooLarge ends a connection whose client sends an oversize message.
var errPacketTooLarge = errors.New("client message over the packet limit")

// limitConn follows the packet framing of what the client sends (a 4-byte
// header: 3 bytes of length, 1 of sequence; a message of 16 MiB - 1 or more
// continues in the next packet) and fails the read that would take a message
// over the limit, so that the protocol library never buffers it.
type limitConn struct {
	net.Conn
	max int

	head      [4]byte
	headN     int  // header bytes read of the current packet
	left      int  // payload bytes left in the current packet
	msg       int  // bytes of the current message so far
	continued bool // the previous packet was full: the message goes on
}

func (c *limitConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	for i := 0; i < n; {
		if c.left > 0 {
			k := min(c.left, n-i)
			c.left -= k
			i += k
			continue
		}
		c.head[c.headN] = p[i]
		c.headN++
		i++
		if c.headN < 4 {
			continue
		}
		c.headN = 0
		length := int(c.head[0]) | int(c.head[1])<<8 | int(c.head[2])<<16
		if !c.continued {
			c.msg = 0
		}
		c.msg += length
		c.continued = length == mysql.MaxPacketSize
		c.left = length
		if c.msg > c.max {
			c.refuse(c.head[3] + 1)
			return 0, errPacketTooLarge
		}
	}
	return n, err
}

// refuse answers an oversize message as MySQL does, with
// ER_NET_PACKET_TOO_LARGE, and closes the connection.
func (c *limitConn) refuse(seq byte) {
	msg := fmt.Sprintf("Got a packet bigger than 'max_allowed_packet' bytes (%d)", c.max)
	body := append([]byte{0xff, byte(sqlerror.ERNetPacketTooLarge & 0xff), byte(sqlerror.ERNetPacketTooLarge >> 8), '#'}, []byte("08S01"+msg)...)
	pkt := append([]byte{byte(len(body)), byte(len(body) >> 8), byte(len(body) >> 16), seq}, body...)
	_ = c.Conn.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Conn.Write(pkt)
	c.Conn.Close()
}
