// SyncEngine: module placeholder until its issue lands.
