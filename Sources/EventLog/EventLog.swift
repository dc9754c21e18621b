// EventLog: module placeholder until its issue lands.
