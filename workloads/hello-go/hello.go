// hello-go: the hello workload in Go (net/http), with the contract of workloads/hello/hello.c.
//
//	hello-go [PORT]   serve on 0.0.0.0:PORT (argv, else $PORT, else 8080),
//	                  or on fd 3 when socket-activated (LISTEN_FDS)
//	hello-go --probe  print "hello: ok" and exit
//	hello-go --hang   print the start marker and sleep forever
//
// Build: CGO_ENABLED=0 go build -trimpath -ldflags=-s (a static binary).
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"unsafe"
)

// monoNs reads CLOCK_MONOTONIC, the clock Sandbench's markers are on.
func monoNs() int64 {
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, 1, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

func marker(what string, ns int64, how string) {
	if how != "" {
		how = " " + how
	}
	os.Stdout.WriteString(fmt.Sprintf("sandbench-%s %d%s\n", what, ns, how))
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: hello-go [PORT | --probe | --hang]")
	os.Exit(2)
}

func main() {
	start := monoNs()
	portArg := ""
	hang := false
	if len(os.Args) > 2 {
		usage()
	}
	if len(os.Args) == 2 {
		switch a := os.Args[1]; {
		case a == "--probe":
			os.Stdout.WriteString("hello: ok\n")
			return
		case a == "--hang":
			hang = true
		case len(a) > 0 && a[0] == '-':
			fmt.Fprintf(os.Stderr, "hello-go: unknown option %s\n", a)
			usage()
		default:
			portArg = a
		}
	}
	marker("start", start, "")

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; os.Exit(0) }()
	if hang {
		select {}
	}

	var ln net.Listener
	how := "listen-fds"
	if n, err := strconv.Atoi(os.Getenv("LISTEN_FDS")); err == nil && n >= 1 {
		os.Unsetenv("LISTEN_FDS")
		os.Unsetenv("LISTEN_PID")
		ln, err = net.FileListener(os.NewFile(3, "listen-fd"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "hello-go: LISTEN_FDS set but fd 3 is not a listening socket: %v\n", err)
			os.Exit(1)
		}
	} else {
		if portArg == "" {
			portArg = os.Getenv("PORT")
		}
		port := 8080
		if portArg != "" {
			p, err := strconv.Atoi(portArg)
			if err != nil || p < 1 || p > 65535 {
				fmt.Fprintf(os.Stderr, "hello-go: invalid port '%s'\n", portArg)
				os.Exit(2)
			}
			port = p
		}
		ln, err = net.Listen("tcp", ":"+strconv.Itoa(port))
		if err != nil {
			fmt.Fprintf(os.Stderr, "hello-go: cannot listen on port %d: %v\n", port, err)
			os.Exit(1)
		}
		how = "bind"
	}
	body := []byte("hello\n")
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/plain"}
		h["Content-Length"] = []string{"6"}
		w.Write(body)
	})
	marker("ready", monoNs(), how)
	if err := http.Serve(ln, handler); err != nil {
		fmt.Fprintf(os.Stderr, "hello-go: %v\n", err)
		os.Exit(1)
	}
}
