#!/usr/bin/perl
# Object states: events bound to an object's methods, by a list of names
# or by a map from event to method; inline states and heap and args
# options alongside.
use strict;
use warnings;
use POE;
$| = 1;

package Counter;
use POE::Session;

sub new { my ($class, $name) = @_; return bless { name => $name, count => 0 }, $class }

sub _start {
  my ($self, $kernel, $heap, @args) = @_[OBJECT, KERNEL, HEAP, ARG0 .. $#_];
  print "$self->{name} _start args=@args heap start=$heap->{start}\n";
  $kernel->yield("bump");
}

sub bump {
  my ($self, $kernel, $heap) = @_[OBJECT, KERNEL, HEAP];
  $self->{count}++;
  $heap->{start}++;
  print "$self->{name} bump count=$self->{count} heap=$heap->{start}\n";
  $kernel->yield("bump") if $self->{count} < 2;
  $kernel->yield("renamed") if $self->{count} == 2;
}

sub on_renamed {
  my ($self, $state) = @_[OBJECT, STATE];
  print "$self->{name} on_renamed for $state\n";
  $_[KERNEL]->yield("inline");
}

package main;

my $counter = Counter->new("counter");
POE::Session->create(
  object_states => [
    $counter => [qw(_start bump)],
    $counter => { renamed => "on_renamed" },
  ],
  inline_states => {
    inline => sub { print "inline state, heap=$_[HEAP]{start}\n" },
    _stop => sub { print "_stop\n" },
  },
  heap => { start => 10 },
  args => [ "x", 7 ],
);

POE::Kernel->run();
print "run returned, count=$counter->{count}\n";
