#!/usr/bin/perl
# Asks an identd on 127.0.0.1:PORT with Perl's Net::Ident about the
# connection LOCALPORT (this host) <-> REMOTEPORT (the identd's host),
# for each "LOCALPORT REMOTEPORT" line on standard input, and prints
# "user|opsys|error" for each. Net::Ident reads the identd's port from
# getservbyname at load time: the override points it at PORT.
use strict;
use warnings;
my $port;
BEGIN {
    $port = shift @ARGV or die "usage: netident.pl PORT\n";
    *CORE::GLOBAL::getservbyname = sub { return ('ident', '', $port, 'tcp') };
}
use Socket qw(sockaddr_in inet_aton);
use Net::Ident;
$| = 1;
while (my $line = <STDIN>) {
    my ($lport, $rport) = split ' ', $line;
    my $local  = sockaddr_in($lport, inet_aton('127.0.0.1'));
    my $remote = sockaddr_in($rport, inet_aton('127.0.0.1'));
    my ($user, $opsys, $error) = Net::Ident->newFromInAddr($local, $remote, 10)->username;
    $error =~ s/\s+$// if defined $error;
    print join('|', map { defined $_ ? $_ : '' } $user, $opsys, $error), "\n";
}
