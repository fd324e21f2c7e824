#!/usr/bin/perl
# Semantic 9: an OS signal goes to the kernel, so every session gets it,
# deepest first. A handled INT stops nothing; an unhandled one stops all.
use strict;
use warnings;
use POE;
$| = 1;

my $handle = 1;

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->sig(INT => "int");
      $_[KERNEL]->delay(timeout => 5);
      POE::Session->create(
        inline_states => {
          _start => sub { $_[KERNEL]->sig(INT => "int"); $_[KERNEL]->delay(timeout => 5) },
          int => sub {
            print "child got $_[ARG0]", ($handle ? ", handles it" : ""), "\n";
            $_[KERNEL]->sig_handled() if $handle;
          },
          timeout => sub { print "child timeout\n" },
          _stop => sub { print "child _stop\n" },
        },
      );
      $_[KERNEL]->yield("go");
    },
    go => sub { print "parent sends SIGINT\n"; kill INT => $$ },
    again => sub { print "parent sends SIGINT again\n"; kill INT => $$ },
    int => sub {
      print "parent got $_[ARG0]\n";
      if ($handle) { $handle = 0; $_[KERNEL]->yield("again") }
    },
    timeout => sub { print "parent timeout\n" },
    _stop => sub { print "parent _stop\n" },
  },
);

POE::Kernel->run();
print "run returned\n";
