// Autotask: module placeholder until its issue lands.
