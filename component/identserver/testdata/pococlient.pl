#!/usr/bin/perl
# Asks an identd on 127.0.0.1:PORT with POE::Component::Client::Ident,
# one query per "PEERPORT SOCKPORT" argument pair, and prints one line
# per answer: "PEERPORT SOCKPORT reply OPSYS USERID" or
# "PEERPORT SOCKPORT error TOKEN", in the order the answers come.
use strict;
use warnings;
use POE qw(Component::Client::Ident);
$| = 1;
my ($port, @pairs) = @ARGV;
die "usage: pococlient.pl PORT PEERPORT SOCKPORT ...\n" unless $port and @pairs and @pairs % 2 == 0;
my $left = @pairs / 2;
POE::Component::Client::Ident->spawn('Ident-Client');
POE::Session->create(
    inline_states => {
        _start => sub {
            my @p = @pairs;
            while (my ($peer, $sock) = splice @p, 0, 2) {
                $_[KERNEL]->post('Ident-Client' => query =>
                    PeerAddr => '127.0.0.1', PeerPort => $peer,
                    SockAddr => '127.0.0.1', SockPort => $sock,
                    IdentPort => $port, TimeOut => 20);
            }
        },
        ident_client_reply => sub {
            my ($ref, $opsys, $userid) = @_[ARG0 .. ARG2];
            print "$ref->{PeerPort} $ref->{SockPort} reply $opsys $userid\n";
            done($_[KERNEL]);
        },
        ident_client_error => sub {
            my ($ref, $token) = @_[ARG0, ARG1];
            print "$ref->{PeerPort} $ref->{SockPort} error $token\n";
            done($_[KERNEL]);
        },
    },
);
sub done { $_[0]->post('Ident-Client' => 'shutdown') unless --$left }
POE::Kernel->run();
