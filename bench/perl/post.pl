#!/usr/bin/perl
# post.pl N: two sessions post an event back and forth N times; prints rate=events/s.
use strict;
use warnings;
use Time::HiRes qw(time);
use POE;

my $n = shift || 200000;
my $left = $n;
POE::Session->create(inline_states => {
    _start => sub { $_[KERNEL]->alias_set("pong") },
    ping   => sub { $_[KERNEL]->post($_[SENDER], "pong") },
    stop   => sub { $_[KERNEL]->alias_remove("pong") },
});
POE::Session->create(inline_states => {
    _start => sub { $_[KERNEL]->post("pong", "ping") },
    pong   => sub {
        $left -= 2;
        $_[KERNEL]->post($_[SENDER], $left > 0 ? "ping" : "stop");
    },
});
my $t0 = time;
POE::Kernel->run;
my $dt = time - $t0;
printf "rate=%.1f n=%d secs=%.3f\n", $n / $dt, $n, $dt;
