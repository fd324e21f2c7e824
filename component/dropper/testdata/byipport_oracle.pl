#!/usr/bin/perl
# Oracle for the Go port's differential test: drives Net::SIP's own
# Net::SIP::Dropper::ByIPPort under a fake clock, one command a line on stdin,
# one answer a line on stdout.
#
#   new ATTEMPTS INTERVAL [METHOD...]   METHOD "<resp>" stands for ""; -> ok
#   run TIME IP PORT HEXPACKET          -> 1 (drop) or 0 (pass)
#   set IP PORT TIME COUNT              $data{ip}{port}{time} = count; -> ok
use strict;
use warnings;

my $now = 0;
# ByIPPort calls the builtin time(); overriding it before the module is
# compiled makes its clock ours.
BEGIN { *CORE::GLOBAL::time = sub () { $now } }

use Net::SIP::Dropper::ByIPPort;
use Net::SIP::Packet;
use Net::SIP::Request;
use Net::SIP::Response;

$| = 1;
my $d;
while (my $line = <STDIN>) {
    chomp $line;
    my ($op, @f) = split / /, $line;
    if ($op eq 'new') {
        my ($attempts, $interval, @m) = @f;
        my %args = (attempts => $attempts, interval => $interval);
        $args{methods} = [ map { $_ eq '<resp>' ? '' : $_ } @m ] if @m;
        $d = Net::SIP::Dropper::ByIPPort->new(%args);
        print "ok\n";
    } elsif ($op eq 'run') {
        my ($t, $ip, $port, $hex) = @f;
        $now = $t;
        my $packet = Net::SIP::Packet->new_from_string(pack('H*', $hex));
        print $d->run($packet, undef, { addr => $ip, port => $port }) ? "1\n" : "0\n";
    } elsif ($op eq 'set') {
        my ($ip, $port, $t, $count) = @f;
        $d->data->{$ip}{$port}{$t} = $count;
        print "ok\n";
    } else {
        die "unknown command: $line\n";
    }
}
