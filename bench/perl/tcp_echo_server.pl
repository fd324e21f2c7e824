#!/usr/bin/perl
# tcp_echo_server.pl PORT: a POE::Component::Server::TCP line echo server on
# 127.0.0.1:PORT, for bench/run.sh's TCP echo comparison. It prints nothing;
# run.sh starts it in the background, measures it with bench/tcpecho's client
# and kills it. A failure to listen goes to standard error (Server::TCP's
# default Error) and stops the server.
use strict;
use warnings;
use POE;
use POE::Component::Server::TCP;

my $port = shift;
die "usage: $0 PORT\n" unless defined $port && $port =~ /^\d+$/;

POE::Component::Server::TCP->new(
    Port        => $port,
    Address     => '127.0.0.1',
    ClientInput => sub { $_[HEAP]{client}->put($_[ARG0]) },
    # The load client resets its connections (SO_LINGER 0) when it is done:
    # those resets are expected, not worth a line on standard error.
    ClientError => sub { },
);
POE::Kernel->run;
