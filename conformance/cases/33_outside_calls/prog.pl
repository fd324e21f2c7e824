#!/usr/bin/perl
# Calls from outside any session, before run: call runs the handler at
# once with the kernel as SENDER and returns its value; post and signal
# are queued for run; afterwards the session is gone and call fails with
# ESRCH.
use strict;
use warnings;
use POE;
use Errno qw(ESRCH);
$| = 1;

my $session = POE::Session->create(
  inline_states => {
    _start => sub { $_[KERNEL]->alias_set("svc"); $_[KERNEL]->sig(USR1 => "usr1") },
    hello => sub {
      my ($kernel, $sender) = @_[KERNEL, SENDER];
      print "hello $_[ARG0] from ", ($sender == $kernel ? "kernel" : $sender->ID), "\n";
      return "hi $_[ARG0]";
    },
    usr1 => sub { print "usr1 $_[ARG1]\n"; $_[KERNEL]->alias_remove("svc") },
    _stop => sub { print "svc _stop\n" },
  },
);

my $r = $poe_kernel->call($session, "hello", "call");
print "call returned $r\n";
$r = $poe_kernel->post("svc", "hello", "post");
print "post: ", ($r ? "ok" : "failed"), "\n";
$r = $poe_kernel->signal("svc", "USR1", "signal");
print "signal: ", ($r ? "ok" : "failed"), "\n";
POE::Kernel->run();
print "run returned\n";
$r = $poe_kernel->call($session, "hello", "late");
print "call after run: ", (defined $r ? $r : $! == ESRCH ? "ESRCH" : "undef"), "\n";
