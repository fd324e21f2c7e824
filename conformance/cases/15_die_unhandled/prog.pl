#!/usr/bin/perl
# Semantic 11: a DIE nobody handles stops every session, the dying tree
# first (leaves first), and run dies with the error. run can be called
# again afterwards.
use strict;
use warnings;
use POE;
$| = 1;

sub clean { my $e = shift; $e =~ s/ at \S+ line \d+\.\n\z//; return $e }

POE::Session->create(
  inline_states => {
    _start => sub {
      $_[KERNEL]->alias_set("bystander");
      $_[KERNEL]->delay(never => 0.2);
    },
    never => sub { print "bystander never\n" },
    _stop => sub { print "bystander _stop\n" },
  },
);

POE::Session->create(
  inline_states => {
    _start => sub {
      POE::Session->create(
        inline_states => {
          _start => sub { $_[KERNEL]->yield("explode") },
          explode => sub { print "child explode\n"; die "kaboom\n" },
          _stop => sub { print "child _stop\n" },
        },
      );
      $_[KERNEL]->sig(DIE => "on_die");
    },
    on_die => sub { print "parent sees $_[ARG0] from event $_[ARG1]{event}, does not handle it\n" },
    _child => sub { print "parent _child $_[ARG0]\n" },
    _stop => sub { print "parent _stop\n" },
  },
);

eval { POE::Kernel->run(); 1 } or print "run died: ", clean($@);
print "after run\n";
POE::Kernel->run();
print "second run returned\n";
